/*  kefu_bus: XSUB/XPUB proxy thread. See kefu_bus.h.
 *
 *  zmq_proxy_steerable runs the forwarding loop; a PAIR socket pair over
 *  inproc carries TERMINATE from kefu_bus_destroy to it.
 */
#include "kefu_bus.h"
#include "kefu_log.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

enum {
    BUS_ENDPOINT_MAX = 256,
    /*  Messages queued per subscriber before the bus drops for it: a
     *  subscriber that falls this far behind replays from the sources. */
    BUS_HWM = 100000,
};

struct _kefu_bus_t {
    void *context;
    void *xsub;
    void *xpub;
    void *control;              /* our end of the control pair */
    void *control_proxy;        /* the proxy's end */
    char xsub_endpoint[BUS_ENDPOINT_MAX];
    char xpub_endpoint[BUS_ENDPOINT_MAX];
    char control_endpoint[BUS_ENDPOINT_MAX];
    pthread_t thread;
    bool thread_started;
};

static int
bus_bind (void *socket, const char *endpoint, char *bound, size_t size)
{
    int hwm = BUS_HWM, linger = 0;
    zmq_setsockopt (socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt (socket, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind (socket, endpoint) != 0) {
        kefu_log_error ("bus.bind_failed", "endpoint", endpoint, "error", zmq_strerror (zmq_errno ()), NULL);
        return -1;
    }
    return zmq_getsockopt (socket, ZMQ_LAST_ENDPOINT, bound, &size);
}

kefu_bus_t *
kefu_bus_new (void *zmq_context, const char *xsub_endpoint, const char *xpub_endpoint)
{
    kefu_bus_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->context = zmq_context;
    self->xsub = zmq_socket (zmq_context, ZMQ_XSUB);
    self->xpub = zmq_socket (zmq_context, ZMQ_XPUB);
    self->control = zmq_socket (zmq_context, ZMQ_PAIR);
    self->control_proxy = zmq_socket (zmq_context, ZMQ_PAIR);
    snprintf (self->control_endpoint, sizeof self->control_endpoint, "inproc://kefu-bus-control-%p", (void *) self);
    int linger = 0;
    if (!self->xsub || !self->xpub || !self->control || !self->control_proxy
    ||  bus_bind (self->xsub, xsub_endpoint, self->xsub_endpoint, sizeof self->xsub_endpoint) != 0
    ||  bus_bind (self->xpub, xpub_endpoint, self->xpub_endpoint, sizeof self->xpub_endpoint) != 0
    ||  zmq_setsockopt (self->control, ZMQ_LINGER, &linger, sizeof linger) != 0
    ||  zmq_setsockopt (self->control_proxy, ZMQ_LINGER, &linger, sizeof linger) != 0
    ||  zmq_bind (self->control_proxy, self->control_endpoint) != 0
    ||  zmq_connect (self->control, self->control_endpoint) != 0) {
        kefu_bus_destroy (&self);
        return NULL;
    }
    return self;
}

const char *
kefu_bus_xsub_endpoint (kefu_bus_t *self)
{
    return self->xsub_endpoint;
}

const char *
kefu_bus_xpub_endpoint (kefu_bus_t *self)
{
    return self->xpub_endpoint;
}

static void *
bus_run (void *arg)
{
    kefu_bus_t *self = arg;
    zmq_proxy_steerable (self->xsub, self->xpub, NULL, self->control_proxy);
    return NULL;
}

int
kefu_bus_start (kefu_bus_t *self)
{
    assert (!self->thread_started);
    if (pthread_create (&self->thread, NULL, bus_run, self) != 0)
        return -1;
    self->thread_started = true;
    kefu_log_info ("bus.started", "xsub", self->xsub_endpoint, "xpub", self->xpub_endpoint, NULL);
    return 0;
}

void
kefu_bus_destroy (kefu_bus_t **self_p)
{
    assert (self_p);
    kefu_bus_t *self = *self_p;
    if (!self)
        return;
    if (self->thread_started) {
        zmq_send (self->control, "TERMINATE", 9, 0);
        pthread_join (self->thread, NULL);
    }
    void *sockets[] = { self->xsub, self->xpub, self->control, self->control_proxy };
    for (size_t i = 0; i < sizeof sockets / sizeof sockets[0]; i++)
        if (sockets[i])
            zmq_close (sockets[i]);
    free (self);
    *self_p = NULL;
}
