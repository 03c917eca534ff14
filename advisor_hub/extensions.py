"""Bare extension instances, initialised in the app factory."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
bootstrap = Bootstrap5()
csrf = CSRFProtect()
login_manager = LoginManager()
