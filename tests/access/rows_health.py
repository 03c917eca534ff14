from tests.access.matrix import Row, everyone, only

# /healthz is public. With no scheduler process running (as here) it truthfully answers 503.
ROWS = [
    Row("GET", "/healthz", everyone(503, anonymous=503)),
    Row("GET", "/operations/scheduler", only(["compliance", "senior_compliance", "admin"])),
]
