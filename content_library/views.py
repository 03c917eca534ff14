from flask import Blueprint

bp = Blueprint("library", __name__, url_prefix="/library", template_folder="templates")
