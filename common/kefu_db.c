/*  kefu_db: a PostgreSQL connection with retry, reconnect and prepared
 *  statements. See kefu_db.h for the contract.
 */
#include "kefu_db.h"
#include "kefu_log.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    DB_ERROR_MAX = 512,
    DB_RETRY_FIRST_MS = 100,        /* backoff between connection attempts */
    DB_RETRY_MAX_MS = 2000,
    DB_PREPARED_MAX = 128,          /* statements per service: plenty */
};

/*  SQLSTATE class 08 is "connection exception"; 57P01..57P03 are the
 *  server shutting down or not yet accepting connections. */
static bool
sqlstate_is_connection_loss (const char *sqlstate)
{
    return strncmp (sqlstate, "08", 2) == 0 || strcmp (sqlstate, "57P01") == 0
        || strcmp (sqlstate, "57P02") == 0 || strcmp (sqlstate, "57P03") == 0;
}

struct _kefu_db_t {
    char *dsn;
    char *schema;
    PGconn *conn;
    const kefu_sql_t *prepared[DB_PREPARED_MAX];
    int prepared_count;
    bool in_transaction;
    bool beginning;                 /* BEGIN is being sent */
    bool commit_sent;               /* COMMIT left for the server in this transaction */
    bool lost;                      /* last failure: connection lost */
    bool retryable;                 /* ... and no COMMIT was in flight */
    char error[DB_ERROR_MAX];
    char sqlstate[6];
};

kefu_db_t *
kefu_db_new (const char *dsn, const char *schema)
{
    kefu_db_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->dsn = strdup (dsn);
    self->schema = schema ? strdup (schema) : NULL;
    if (!self->dsn || (schema && !self->schema)) {
        kefu_db_destroy (&self);
        return NULL;
    }
    return self;
}

void
kefu_db_destroy (kefu_db_t **self_p)
{
    assert (self_p);
    kefu_db_t *self = *self_p;
    if (!self)
        return;
    if (self->conn)
        PQfinish (self->conn);
    free (self->dsn);
    free (self->schema);
    free (self);
    *self_p = NULL;
}

static void
db_set_error (kefu_db_t *self, const char *message, const char *sqlstate)
{
    snprintf (self->error, sizeof self->error, "%s", message ? message : "unknown error");
    /* libpq messages end with a newline; logs want one line. */
    size_t length = strlen (self->error);
    while (length > 0 && (self->error[length - 1] == '\n' || self->error[length - 1] == ' '))
        self->error[--length] = '\0';
    snprintf (self->sqlstate, sizeof self->sqlstate, "%s", sqlstate ? sqlstate : "");
}

static int64_t
db_now_ms (void)
{
    struct timespec now;
    clock_gettime (CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void
db_sleep_ms (int64_t ms)
{
    struct timespec pause = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep (&pause, NULL);
}

/*  One connection attempt, then the session settings every kefu connection
 *  has: UTC; synchronous_commit on, whatever the server, database or role
 *  says, because an acknowledged write must survive a crash and the
 *  publisher's numbering relies on every event's commit being flushed (and
 *  confirmed by a synchronous standby) before it is visible; no JIT, which
 *  costs milliseconds to compile what kefu's short statements run in
 *  microseconds, whenever a small table's size is misestimated; and a
 *  search_path holding only the service's schema so that an unqualified
 *  name can never resolve to another schema's object. */
static int
db_connect_once (kefu_db_t *self)
{
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    self->prepared_count = 0;
    self->in_transaction = false;
    self->commit_sent = false;
    self->conn = PQconnectdb (self->dsn);
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        db_set_error (self, self->conn ? PQerrorMessage (self->conn) : "out of memory", "08001");
        return -1;
    }
    const char *keys[] = { "timezone", "synchronous_commit", "jit", "search_path" };
    const char *values[] = { "UTC", "on", "off", self->schema };
    for (int i = 0; i < (self->schema ? 4 : 3); i++) {
        const char *params[] = { keys[i], values[i] };
        PGresult *result = PQexecParams (self->conn, "SELECT set_config($1, $2, false)", 2, NULL,
                                         params, NULL, NULL, 0);
        bool ok = PQresultStatus (result) == PGRES_TUPLES_OK;
        if (!ok)
            db_set_error (self, PQerrorMessage (self->conn), "08001");
        PQclear (result);
        if (!ok)
            return -1;
    }
    return 0;
}

int
kefu_db_connect (kefu_db_t *self, int64_t timeout_ms)
{
    int64_t give_up = db_now_ms () + timeout_ms;
    int64_t pause = DB_RETRY_FIRST_MS;
    int attempt = 0;
    while (true) {
        if (db_connect_once (self) == 0) {
            if (attempt > 0)
                kefu_log_info ("db.connected", "schema", self->schema ? self->schema : "", NULL);
            return 0;
        }
        if (db_now_ms () + pause > give_up)
            return -1;
        if (attempt++ == 0)
            kefu_log_warn ("db.connect_retry", "error", self->error, NULL);
        db_sleep_ms (pause);
        pause = pause * 2 > DB_RETRY_MAX_MS ? DB_RETRY_MAX_MS : pause * 2;
    }
}

int
kefu_db_ensure (kefu_db_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn)
        kefu_log_warn ("db.reconnect", "schema", self->schema ? self->schema : "", NULL);
    return db_connect_once (self);
}

/*  Classify a failed command. */
static void
db_note_failure (kefu_db_t *self, PGresult *result)
{
    const char *sqlstate = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
    db_set_error (self, result ? PQresultErrorMessage (result) : PQerrorMessage (self->conn), sqlstate);
    self->lost = PQstatus (self->conn) != CONNECTION_OK || (sqlstate && sqlstate_is_connection_loss (sqlstate))
              || (!sqlstate && PQstatus (self->conn) != CONNECTION_OK);
    if (self->lost && !*self->sqlstate)
        snprintf (self->sqlstate, sizeof self->sqlstate, "08006");
    /*  Only a transaction that never reached COMMIT certainly rolled back;
     *  a statement outside BEGIN may have run before the connection went. */
    self->retryable = self->lost && !self->commit_sent && (self->in_transaction || self->beginning);
}

static PGresult *
db_check (kefu_db_t *self, PGresult *result)
{
    ExecStatusType status = PQresultStatus (result);
    if (result && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK))
        return result;
    db_note_failure (self, result);
    PQclear (result);
    return NULL;
}

static bool
db_is_prepared (kefu_db_t *self, const kefu_sql_t *statement)
{
    for (int i = 0; i < self->prepared_count; i++)
        if (self->prepared[i] == statement)
            return true;
    return false;
}

PGresult *
kefu_db_run_binary (kefu_db_t *self, const kefu_sql_t *statement, int count,
                    const char *const *values, const int *lengths, const int *formats)
{
    self->lost = self->retryable = false;
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        db_set_error (self, "no connection to the database", "08003");
        self->lost = true;
        self->retryable = !self->commit_sent && (self->in_transaction || self->beginning);
        return NULL;
    }
    /*  PostgreSQL cuts names at 63 bytes; two long names could collide. */
    assert (strlen (statement->name) < 64);
    if (!db_is_prepared (self, statement)) {
        PGresult *prepared = db_check (self, PQprepare (self->conn, statement->name, statement->sql, count, NULL));
        if (!prepared)
            return NULL;
        PQclear (prepared);
        if (self->prepared_count < DB_PREPARED_MAX)
            self->prepared[self->prepared_count++] = statement;
    }
    return db_check (self, PQexecPrepared (self->conn, statement->name, count, values, lengths, formats, 0));
}

PGresult *
kefu_db_run (kefu_db_t *self, const kefu_sql_t *statement, int count, const char *const *values)
{
    return kefu_db_run_binary (self, statement, count, values, NULL, NULL);
}

int64_t
kefu_db_int64 (const PGresult *result, int row, int column)
{
    return strtoll (PQgetvalue (result, row, column), NULL, 10);
}

const char *
kefu_db_int64_text (int64_t value, char text[KEFU_DB_INT64_TEXT_SIZE])
{
    snprintf (text, KEFU_DB_INT64_TEXT_SIZE, "%" PRId64, value);
    return text;
}

bool
kefu_db_bool (const PGresult *result, int row, int column)
{
    return PQgetvalue (result, row, column)[0] == 't';
}

int
kefu_db_command (kefu_db_t *self, const kefu_sql_t *statement, int count, const char *const *values)
{
    PGresult *result = kefu_db_run (self, statement, count, values);
    PQclear (result);
    return result ? 0 : -1;
}

int
kefu_db_exec_script (kefu_db_t *self, const char *sql)
{
    self->lost = self->retryable = false;
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK) {
        db_set_error (self, "no connection to the database", "08003");
        self->lost = true;
        self->retryable = !self->commit_sent && (self->in_transaction || self->beginning);
        return -1;
    }
    PGresult *result = db_check (self, PQexec (self->conn, sql));
    PQclear (result);
    return result ? 0 : -1;
}

int
kefu_db_begin (kefu_db_t *self)
{
    self->commit_sent = false;
    self->beginning = true;
    int rc = kefu_db_exec_script (self, "BEGIN");
    self->beginning = false;
    if (rc != 0)
        return -1;
    self->in_transaction = true;
    return 0;
}

int
kefu_db_commit (kefu_db_t *self)
{
    self->commit_sent = true;
    int rc = kefu_db_exec_script (self, "COMMIT");
    self->in_transaction = false;
    if (rc == 0)
        self->commit_sent = false;
    return rc;
}

void
kefu_db_rollback (kefu_db_t *self)
{
    if (!self->in_transaction)
        return;
    self->in_transaction = false;
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK)
        return;     /* the server rolled it back when the connection went */
    /* Keep the error of the failure that led here, not ROLLBACK's. */
    char error[DB_ERROR_MAX], sqlstate[6];
    bool lost = self->lost, retryable = self->retryable;
    memcpy (error, self->error, sizeof error);
    memcpy (sqlstate, self->sqlstate, sizeof sqlstate);
    PQclear (PQexec (self->conn, "ROLLBACK"));
    memcpy (self->error, error, sizeof error);
    memcpy (self->sqlstate, sqlstate, sizeof sqlstate);
    self->lost = lost;
    self->retryable = retryable;
}

bool
kefu_db_ping (kefu_db_t *self)
{
    if (kefu_db_ensure (self) != 0)
        return false;
    PGresult *result = PQexec (self->conn, "SELECT 1");
    bool ok = PQresultStatus (result) == PGRES_TUPLES_OK;
    PQclear (result);
    return ok;
}

const char *
kefu_db_error (kefu_db_t *self)
{
    return self->error;
}

const char *
kefu_db_sqlstate (kefu_db_t *self)
{
    return self->sqlstate;
}

bool
kefu_db_retryable (kefu_db_t *self)
{
    return self->retryable;
}

bool
kefu_db_connection_lost (kefu_db_t *self)
{
    return self->lost;
}

PGconn *
kefu_db_handle (kefu_db_t *self)
{
    return self->conn;
}
