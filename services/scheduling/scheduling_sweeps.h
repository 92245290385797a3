/*  scheduling_sweeps: the rules of the scheduling service that act on time
 *  alone, run by its ticker (common/kefu_ticker) every
 *  KEFU_SCHEDULING_TICK_MS with "now" from the driven clock.
 *
 *  Each sweep is a kefu_ticker_sweep_fn whose `arg` is the service's
 *  scheduling_state_t; it does its own short transactions, taking its rows
 *  FOR UPDATE SKIP LOCKED, so replicas of the service split the work and
 *  each event is raised once.
 */
#ifndef SCHEDULING_SWEEPS_H_INCLUDED
#define SCHEDULING_SWEEPS_H_INCLUDED

#include "kefu_ticker.h"

#include <stddef.h>

extern const kefu_ticker_sweep_t scheduling_sweeps[];
extern const size_t scheduling_sweep_count;

#endif
