/*  kefu_frames: multipart receive with a bound. See kefu_frames.h. */
#include "kefu_frames.h"

int
kefu_frames_recv (void *socket, zmq_msg_t *frames, int max, bool *overflow)
{
    int count = 0;
    bool more = true, dropped = false;
    while (more) {
        zmq_msg_t frame;
        zmq_msg_init (&frame);
        if (zmq_msg_recv (&frame, socket, 0) < 0) {
            zmq_msg_close (&frame);
            kefu_frames_close (frames, count);
            return -1;
        }
        more = zmq_msg_more (&frame);
        if (count < max)
            frames[count++] = frame;
        else {
            dropped = true;
            zmq_msg_close (&frame);
        }
    }
    if (overflow)
        *overflow = dropped;
    return count;
}

void
kefu_frames_close (zmq_msg_t *frames, int count)
{
    for (int i = 0; i < count; i++)
        zmq_msg_close (&frames[i]);
}
