from flask import Blueprint

bp = Blueprint("approvals", __name__, url_prefix="/review", template_folder="templates")
