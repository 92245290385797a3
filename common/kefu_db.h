/*  kefu_db: one PostgreSQL connection, with retry, reconnect and prepared
 *  statements.
 *
 *  Each worker thread of a service owns one kefu_db_t; nothing here is
 *  shared between threads. SQL is never built with printf: statements are
 *  declared once as kefu_sql_t (name + text, in the service's *_store.c) and
 *  run with parameters; they are prepared on first use on each connection
 *  and prepared again after a reconnect.
 *
 *  Reconnection: a server restart shows up as a failed command with the
 *  connection gone. The connection is then reset before the next use
 *  (kefu_db_ensure). A transaction that lost its connection before COMMIT
 *  was sent certainly rolled back, so the caller may retry it whole;
 *  kefu_db_retryable() says so. If the connection broke while COMMIT was in
 *  flight the outcome is unknown and the caller must not retry blindly.
 */
#ifndef KEFU_DB_H_INCLUDED
#define KEFU_DB_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _kefu_db_t kefu_db_t;

/*  A statement: a name unique within the service, and its SQL with $n
 *  parameters. Declare them `static const` so their address is stable. */
typedef struct {
    const char *name;
    const char *sql;
} kefu_sql_t;

/*  Create a connection object for `dsn`, with search_path set to `schema`
 *  (NULL: leave the server's default). Does not connect yet. */
kefu_db_t *kefu_db_new (const char *dsn, const char *schema);
void kefu_db_destroy (kefu_db_t **self_p);

/*  Connect, retrying with backoff until `timeout_ms` has passed (0: try
 *  once). Returns 0 or -1 (kefu_db_error says why). */
int kefu_db_connect (kefu_db_t *self, int64_t timeout_ms);

/*  Make sure the connection is usable, resetting it if it broke. Returns 0
 *  or -1. Cheap when the connection is fine (no round trip). */
int kefu_db_ensure (kefu_db_t *self);

/*  True if the server answers a trivial query now. */
bool kefu_db_ping (kefu_db_t *self);

/*  Run a prepared statement with text parameters (NULL entries are SQL
 *  NULL). Returns the result (the caller PQclear()s it) when the command
 *  succeeded (PGRES_COMMAND_OK or PGRES_TUPLES_OK); NULL on failure, with
 *  kefu_db_error / kefu_db_sqlstate telling why. */
PGresult *kefu_db_run (kefu_db_t *self, const kefu_sql_t *statement, int count, const char *const *values);

/*  The same with explicit lengths and formats (1 = binary), for bytea. */
PGresult *kefu_db_run_binary (kefu_db_t *self, const kefu_sql_t *statement, int count,
                              const char *const *values, const int *lengths, const int *formats);

/*  A cell of a result in PostgreSQL's text format, as a number (bigint,
 *  integer; 0 for NULL) or as a boolean ('t'; false for NULL). */
int64_t kefu_db_int64 (const PGresult *result, int row, int column);
bool kefu_db_bool (const PGresult *result, int row, int column);

/*  Room for an int64 as decimal text, sign and NUL included. */
enum { KEFU_DB_INT64_TEXT_SIZE = 24 };

/*  `value` as decimal text in `text`, for a statement parameter (every
 *  parameter travels as text); returns `text`. */
const char *kefu_db_int64_text (int64_t value, char text[KEFU_DB_INT64_TEXT_SIZE]);

/*  Run a statement and discard its result. Returns 0 or -1. */
int kefu_db_command (kefu_db_t *self, const kefu_sql_t *statement, int count, const char *const *values);

/*  Run plain SQL with no parameters (migrations, BEGIN/COMMIT); may hold
 *  several statements. Returns 0 or -1. Never pass text from outside. */
int kefu_db_exec_script (kefu_db_t *self, const char *sql);

/*  Transactions. kefu_db_rollback is safe to call after any failure and
 *  when no transaction is open. */
int kefu_db_begin (kefu_db_t *self);
int kefu_db_commit (kefu_db_t *self);
void kefu_db_rollback (kefu_db_t *self);

/*  After a failure: the message (borrowed), the SQLSTATE ("" if none). */
const char *kefu_db_error (kefu_db_t *self);
const char *kefu_db_sqlstate (kefu_db_t *self);

/*  True if the last failure was the connection going away before a COMMIT
 *  was sent, so the whole transaction may be retried on a new connection. */
bool kefu_db_retryable (kefu_db_t *self);

/*  True if the last failure was a lost connection (retryable or not). */
bool kefu_db_connection_lost (kefu_db_t *self);

/*  Borrow the libpq connection (for LISTEN/NOTIFY or tests). */
PGconn *kefu_db_handle (kefu_db_t *self);

#endif
