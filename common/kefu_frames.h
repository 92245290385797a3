/*  kefu_frames: receive one whole ZeroMQ multipart message.
 *
 *  Every socket loop in kefu reads messages of a known shape ([routing...]
 *  [body], [topic][Event], [""][Reply]) from peers it does not control. A
 *  peer may send more frames than the shape has: the surplus is read and
 *  dropped here, so the next message starts where it should and the caller
 *  can answer the malformed one instead of desynchronising.
 */
#ifndef KEFU_FRAMES_H_INCLUDED
#define KEFU_FRAMES_H_INCLUDED

#include <stdbool.h>
#include <zmq.h>

/*  Receive all frames of the next message (blocking as the socket's
 *  options say). The first `max` are kept in frames[]; *overflow (may be
 *  NULL) tells whether any were dropped. Returns how many were kept, or -1
 *  if nothing could be received (EAGAIN, ETERM, a closed socket); frames
 *  kept so far are then closed. */
int kefu_frames_recv (void *socket, zmq_msg_t *frames, int max, bool *overflow);

/*  Close `count` frames. */
void kefu_frames_close (zmq_msg_t *frames, int count);

#endif
