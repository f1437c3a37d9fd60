-- MCP sessions of the session MCP endpoint: which tool-router session (and project) each one
-- belongs to, and its initialize parameters, so a client's next request may reach any
-- replica (or a restarted server).
CREATE TABLE IF NOT EXISTS mcp_sessions (
    session_id TEXT PRIMARY KEY,
    project_id TEXT,
    router_session_id TEXT,
    state TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mcp_sessions_created ON mcp_sessions(created_at);
