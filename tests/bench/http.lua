-- wrk script of make bench (tests/bench/bench.py): one kind of request per
-- run, chosen by KEFU_BENCH_MODE, with the API key of KEFU_BENCH_KEY.
--
--   create      POST /v1/tickets, a unique Idempotency-Key per request, the
--               body kefu-bench-zmq sends too, for a customer drawn per
--               request as bench.py's CUSTOMER_DRAW draws it: with
--               KEFU_BENCH_REPEAT_PERCENT % chance one of the first
--               KEFU_BENCH_REGULAR_CUSTOMERS, else one of
--               KEFU_BENCH_CUSTOMERS, numbered from KEFU_BENCH_CUSTOMER_FIRST
--   get         GET /v1/tickets/{id}, id random in 1..KEFU_BENCH_MAX_ID
--   list        GET /v1/tickets?KEFU_BENCH_LIST_QUERY
--   transition  POST /v1/tickets/{id}/transitions received -> assessed, each
--               request a ticket of its own: ids KEFU_BENCH_FIRST_ID up,
--               spread over the threads by KEFU_BENCH_ID_STRIDE
--   path        GET KEFU_BENCH_PATH (a read-only route, e.g. statistics)
--
-- Any answer outside 2xx counts as an error (wrk itself only counts >= 400).
-- done() prints one line bench.py reads:
--   RESULT requests=N seconds=S rps=R p50_ms=A p99_ms=B p999_ms=C errors=E
local body_before_customer = '{"kind":"complaint","channel":"phone","priority":"high","category":"billing",' ..
             '"subject":"退款未到账","description":"Refund promised on 11-18 has not arrived.",' ..
             '"customer_id":"'
local body_after_customer = '","requested_remedy":"refund"}'
local transition_body = '{"to":"assessed","reason":"bench: assessed"}'
local mode = os.getenv("KEFU_BENCH_MODE") or "create"
local key = os.getenv("KEFU_BENCH_KEY")
local max_id = tonumber(os.getenv("KEFU_BENCH_MAX_ID") or "1")
local first_id = tonumber(os.getenv("KEFU_BENCH_FIRST_ID") or "1")
local id_stride = tonumber(os.getenv("KEFU_BENCH_ID_STRIDE") or "1000000")
local list_query = os.getenv("KEFU_BENCH_LIST_QUERY") or "status=received&kind=complaint&limit=20"
local path = os.getenv("KEFU_BENCH_PATH") or "/healthz"
-- The customer draw has no defaults here: bench.py alone says what it is.
local customer_first = tonumber(os.getenv("KEFU_BENCH_CUSTOMER_FIRST") or "")
local customers = tonumber(os.getenv("KEFU_BENCH_CUSTOMERS") or "")
local regular_customers = tonumber(os.getenv("KEFU_BENCH_REGULAR_CUSTOMERS") or "")
local repeat_percent = tonumber(os.getenv("KEFU_BENCH_REPEAT_PERCENT") or "")
if mode == "create" and not (customer_first and customers and regular_customers and repeat_percent) then
    error("create needs KEFU_BENCH_CUSTOMER_FIRST, _CUSTOMERS, _REGULAR_CUSTOMERS and _REPEAT_PERCENT")
end
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("number", #threads)
end

function init(args)
    prefix = "h" .. number .. "-" .. os.time() .. "-" .. math.random(1000000000)
    counter = 0
    non2xx = 0
    math.randomseed(os.time() * 100 + number)
end

local function draw_customer()
    local drawn
    if math.random(1, 100) <= repeat_percent then
        drawn = math.random(0, regular_customers - 1)
    else
        drawn = math.random(0, customers - 1)
    end
    return string.format("%d", customer_first + drawn)
end

function request()
    counter = counter + 1
    local headers = { ["Authorization"] = "Bearer " .. key }
    if mode == "create" then
        headers["Content-Type"] = "application/json"
        headers["Idempotency-Key"] = prefix .. "-" .. counter
        return wrk.format("POST", "/v1/tickets", headers,
                          body_before_customer .. draw_customer() .. body_after_customer)
    elseif mode == "get" then
        return wrk.format("GET", "/v1/tickets/" .. math.random(max_id), headers)
    elseif mode == "list" then
        return wrk.format("GET", "/v1/tickets?" .. list_query, headers)
    elseif mode == "path" then
        return wrk.format("GET", path, headers)
    elseif mode == "transition" then
        headers["Content-Type"] = "application/json"
        local id = first_id + (number - 1) * id_stride + counter - 1
        return wrk.format("POST", "/v1/tickets/" .. id .. "/transitions", headers, transition_body)
    end
    error("unknown KEFU_BENCH_MODE " .. mode)
end

function response(status, headers, response_body)
    if status < 200 or status > 299 then
        non2xx = non2xx + 1
    end
end

function done(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.timeout
    for _, thread in ipairs(threads) do
        errors = errors + thread:get("non2xx")
    end
    io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, errors))
end
