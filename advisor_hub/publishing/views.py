from flask import Blueprint

bp = Blueprint("publishing", __name__, template_folder="templates")
