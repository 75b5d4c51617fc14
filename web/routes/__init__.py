"""HTTP routes, one module per topic. Each route: authenticate, parse, one service, serialize."""
