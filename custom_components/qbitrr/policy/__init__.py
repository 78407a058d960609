"""Decision logic for qbitrr: pure Python, no Home Assistant imports."""
