"""HTTP API, Socket.IO namespace and the browser client's files.

Routes authenticate, parse, call one service and serialize; nothing else lives here.
"""
