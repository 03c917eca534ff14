"""Campaigns and adoption: marketing's approved schedules of library posts that advisors opt
into, suggestions for each advisor, their calendar, the weekly digest and the adoption
figures. Declared as the "campaigns" feature in ``advisor_hub.features``."""
