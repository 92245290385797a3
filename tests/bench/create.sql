-- pgbench transaction: the writes kefu makes to create one ticket, with no
-- kefu in between (the baseline of docs/PERFORMANCE.md). Same tables (copied
-- from schema tickets by tests/bench/run.sh), same rows: the idempotency key,
-- the ticket, its first history row, its event and its audit record.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO bench.idempotency_keys (actor_staff_id, key, request_hash)
    VALUES ('A1001', 'bench-' || :client_id || '-' || :n, repeat('0', 64)) ON CONFLICT DO NOTHING;
INSERT INTO bench.tickets (kind, channel, priority, category, subject, description, customer_id,
                           requested_remedy, status, owner_staff_id, received_at)
    VALUES ('complaint', 'phone', 'high', 'billing', '退款未到账', 'Refund promised on 11-18 has not arrived.',
            'C-10023', 'refund', 'received', 'A1001', now())
    RETURNING id \gset
UPDATE bench.idempotency_keys SET ticket_id = :id WHERE actor_staff_id = 'A1001' AND key = 'bench-' || :client_id || '-' || :n;
INSERT INTO bench.ticket_transitions (ticket_id, from_status, to_status, actor_staff_id, actor_roles, reason, version)
    VALUES (:id, '', 'received', 'A1001', 'agent', 'created', 1);
INSERT INTO bench.outbox (type, subject, content_type, payload)
    VALUES ('ticket.created', 'ticket/' || :id, 'application/protobuf; messageType=kefu.v1.TicketCreated', decode(repeat('ab', 300), 'hex'));
INSERT INTO bench.outbox (type, subject, content_type, payload)
    VALUES ('audit.record.ticket.created', 'ticket/' || :id, 'application/protobuf; messageType=kefu.v1.AuditRecord', decode(repeat('ab', 80), 'hex'));
COMMIT;
