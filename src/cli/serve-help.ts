/** The flags of serving, as `--help` lists them (each also as an environment variable). */
export const SERVE_HELP = `Flags (serve):
  --transport stdio|http   ORCHESTRATE_TRANSPORT   default stdio; http serves /mcp (Streamable HTTP), /sse and
                                                   the live web view at / (its one-time login link is logged at start)
  --host H                 ORCHESTRATE_HOST        HTTP bind, default 127.0.0.1
  --port N                 ORCHESTRATE_PORT        HTTP port, default 3939; 0 picks a free one
  --token T                ORCHESTRATE_TOKEN       bearer token for every HTTP request (required off loopback)
  --db PATH                ORCHESTRATE_DB          SQLite file, default $XDG_STATE_HOME/orchestrate-mcp/state.db
  --plugins DIR            ORCHESTRATE_PLUGINS     extra plugin folder (repeatable; env: a path list)
  --config FILE            ORCHESTRATE_CONFIG      JSON config file
  --log-level L            ORCHESTRATE_LOG_LEVEL   pino level (logs go to stderr), default info
  --inline                 ORCHESTRATE_INLINE=1    stdio: run the engine in this process, not in the database's
                                                   background runner (which keeps tasks going after the client quits)`;
