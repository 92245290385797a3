-- wrk script: POST /v1/tickets with a unique Idempotency-Key per request, the
-- same body as tests/bench/create.sql writes. The API key comes from the
-- environment (KEFU_BENCH_KEY), set by tests/bench/run.sh.
local body = '{"kind":"complaint","channel":"phone","priority":"high","category":"billing",' ..
             '"subject":"退款未到账","description":"Refund promised on 11-18 has not arrived.",' ..
             '"customer_id":"C-10023","requested_remedy":"refund"}'
local key = os.getenv("KEFU_BENCH_KEY")
local threads = 0
local counter = 0
local prefix = "t"

function setup(thread)
    threads = threads + 1
    thread:set("prefix", "t" .. threads .. "-" .. os.time())
end

function request()
    counter = counter + 1
    return wrk.format("POST", "/v1/tickets", {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Bearer " .. key,
        ["Idempotency-Key"] = prefix .. "-" .. counter,
    }, body)
end

function done(summary, latency, requests)
    local errors = summary.errors.status + summary.errors.connect + summary.errors.read
                 + summary.errors.write + summary.errors.timeout
    io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
