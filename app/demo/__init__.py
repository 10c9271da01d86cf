"""Demo data: a realistic two-year ledger of a Chinese city's investment attraction.

`load_demo(session)` builds it from a fixed seed through the services (so it obeys their
rules) and is idempotent: once the demo user exists it changes nothing.
"""

from app.demo.data import DEMO_PASSWORD, DEMO_USERNAME
from app.demo.loader import DemoSummary, load_demo

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAME", "DemoSummary", "load_demo"]
