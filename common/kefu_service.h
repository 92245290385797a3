/*  kefu_service: the runtime every kefu service is built on.
 *
 *  A service is a name (also its PostgreSQL schema), a table of methods and
 *  its migrations. kefu_service_start() connects to PostgreSQL, applies the
 *  migrations, binds a ROUTER socket and starts worker threads, each with
 *  its own database connection; kefu_service_run() then answers requests
 *  until kefu_service_stop() or SIGTERM/SIGINT, finishes what is in flight
 *  and returns.
 *
 *  Every request frame gets exactly one reply: a kefu.v1.Reply with a status
 *  code. A frame that is not a kefu.v1.Request, an unknown method, a payload
 *  that does not parse, a request past its deadline: each is answered with
 *  its code (INVALID_ARGUMENT, NOT_FOUND, DEADLINE_EXCEEDED), never with
 *  silence or a crash.
 *
 *  Framing: the last frame of a message is the Request; the frames before it
 *  (the ROUTER identity, and the empty delimiter a DEALER or REQ client
 *  sends) are echoed in front of the Reply.
 *
 *  A transaction whose connection was lost before COMMIT (a PostgreSQL
 *  restart) is retried once on a new connection, within the deadline, so a
 *  restart costs latency, not errors.
 */
#ifndef KEFU_SERVICE_H_INCLUDED
#define KEFU_SERVICE_H_INCLUDED

#include "kefu/v1/envelope.pb-c.h"
#include "kefu_config.h"
#include "kefu_db.h"
#include "kefu_migrate.h"
#include "kefu_text.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct _kefu_service_t kefu_service_t;
typedef struct _kefu_call_t kefu_call_t;

/*  A handler answers one request: it must call kefu_call_reply or one of
 *  the kefu_call_fail* functions exactly once (else the caller gets
 *  INTERNAL). */
typedef void (kefu_handler_fn) (kefu_call_t *call);

typedef struct {
    const char *method;                             /* "tickets.create" */
    kefu_handler_fn *handler;
    const ProtobufCMessageDescriptor *request_type; /* payload; NULL: none */
    bool needs_actor;                               /* refuse without a staff id */
} kefu_method_t;

typedef struct {
    const char *name;                   /* service and schema name */
    const char *version;
    const kefu_method_t *methods;
    size_t method_count;
    const kefu_migration_t *migrations;
    size_t migration_count;
    void *state;                        /* handlers' shared, read-only state; borrowed */
} kefu_service_spec_t;

/*  Create a service from its spec (borrowed, must outlive the service) and
 *  configuration (borrowed). Returns NULL on failure. */
kefu_service_t *kefu_service_new (const kefu_service_spec_t *spec, kefu_config_t *config);
void kefu_service_destroy (kefu_service_t **self_p);

/*  Override the bind endpoint from configuration (tests bind
 *  "tcp://127.0.0.1:*" and ask kefu_service_endpoint for the port). */
void kefu_service_set_bind (kefu_service_t *self, const char *endpoint);

/*  Connect to PostgreSQL (retrying for KEFU_DB_CONNECT_TIMEOUT_MS), apply
 *  migrations, bind, start the workers. Returns 0 or -1 (logged). */
int kefu_service_start (kefu_service_t *self);

/*  The endpoint actually bound, with the real port. Borrowed. */
const char *kefu_service_endpoint (kefu_service_t *self);

/*  Answer requests until stopped; then finish in-flight work and return 0. */
int kefu_service_run (kefu_service_t *self);

/*  Ask a running service to stop; safe from any thread. */
void kefu_service_stop (kefu_service_t *self);

/*  Make SIGTERM and SIGINT stop every running service in this process. */
void kefu_service_catch_signals (void);

/*  --- Inside a handler --------------------------------------------------- */

const Kefu__V1__Request *kefu_call_request (kefu_call_t *call);
const Kefu__V1__Actor *kefu_call_actor (kefu_call_t *call);
/*  The unpacked payload, of the method's request_type. Borrowed. */
const ProtobufCMessage *kefu_call_payload (kefu_call_t *call);
/*  This worker's database connection. */
kefu_db_t *kefu_call_db (kefu_call_t *call);
/*  The service's name, for events and audit records. */
const char *kefu_call_service (kefu_call_t *call);
/*  The spec's `state`: what handlers share (keys, settings), read-only
 *  while the service runs, so no lock is needed. */
void *kefu_call_state (kefu_call_t *call);

/*  Answer OK with `message` as payload (NULL: empty payload). */
void kefu_call_reply (kefu_call_t *call, const ProtobufCMessage *message);

/*  Answer with an error: a code, a stable problem slug, the field at fault
 *  (or NULL) and a message. */
void kefu_call_fail (kefu_call_t *call, Kefu__V1__Code code, const char *type, const char *field,
                     const char *format, ...) __attribute__ ((format (printf, 5, 6)));

/*  The same after the handler's transaction began: roll it back first, so
 *  a refused request writes nothing. */
void kefu_call_fail_rollback (kefu_call_t *call, Kefu__V1__Code code, const char *type,
                              const char *field, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

/*  Check a text field of the request with kefu_text_check; when it is
 *  bad, answer INVALID_ARGUMENT (slug invalid-field, `field` at fault,
 *  "<field> <what is wrong>") and return false. */
bool kefu_call_check_text (kefu_call_t *call, const char *field, const char *value,
                           kefu_text_kind_t kind, size_t max_chars, bool required);

/*  Check a page window of a list request: `limit` (already defaulted when
 *  the caller sent 0) at most `max`, and `after` (the last id of the
 *  previous page, 0 for the first) not negative. When either is bad,
 *  answer INVALID_ARGUMENT naming the field and return false. */
bool kefu_call_check_page (kefu_call_t *call, uint32_t limit, int64_t after, uint32_t max);

/*  Answer after a database failure: UNAVAILABLE when the connection was
 *  lost (and mark the call for one retry if that is safe), INTERNAL
 *  otherwise, with the detail logged and not sent to the caller. */
void kefu_call_fail_db (kefu_call_t *call);

/*  Roll back the call's open transaction, then answer as kefu_call_fail_db:
 *  how a handler gives up on a database failure in mid-transaction, so
 *  nothing it wrote so far stays. */
void kefu_call_fail_db_rollback (kefu_call_t *call);

/*  The staff id of the call's actor, "" when there is none. Borrowed. */
const char *kefu_call_staff_id (kefu_call_t *call);

#endif
