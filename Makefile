# kefu: build, run and test.
#
#   make run     install what is missing, build, start PostgreSQL under ./var/,
#                every service and the gateway on 127.0.0.1:8080 (Ctrl-C stops)
#   make test    the same in a throw-away cluster, with sanitizers; all tests
#   make bench   benchmarks, with a PostgreSQL baseline measured in the same run
#
#   make admin   the first admin (STAFF_NO=... NAME=...; asks for the password)
#
# Variables: SANITIZE=1 builds with ASan/UBSan into build/asan; otherwise the
# release build goes to build/release. Generated code (protobuf-c, embedded
# migrations) goes under the build folder and is never committed.

SHELL      := /bin/bash
SANITIZE   ?= 0
ifeq ($(SANITIZE),1)
BUILD      ?= build/asan
SANFLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPTFLAGS   := -O1 -g
else
BUILD      ?= build/release
SANFLAGS   :=
OPTFLAGS   := -O2 -g
endif

CC         ?= cc
PKGS       := libzmq libprotobuf-c libsodium libmicrohttpd jansson
CPPFLAGS   += -Icommon -I$(BUILD)/gen -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
              $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -D_GNU_SOURCE
CFLAGS     += -std=c11 -Wall -Wextra -Werror -Wno-missing-field-initializers -pthread $(OPTFLAGS) $(SANFLAGS)
LDFLAGS    += -pthread $(SANFLAGS)
LDLIBS     += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpq -lm

PROTOS     := $(wildcard proto/kefu/v1/*.proto)
PROTO_C    := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
PROTO_H    := $(PROTO_C:.c=.h)
PROTO_PY   := $(patsubst proto/%.proto,build/py/%_pb2.py,$(PROTOS))

COMMON_SRC := $(wildcard common/*.c)
COMMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(COMMON_SRC)) $(PROTO_C:.c=.o) $(BUILD)/gen/kefu_migrations.o
LIBKEFU    := $(BUILD)/lib/libkefu.a

SERVICES   := tickets gateway webhooks scheduling
# Libraries only some services need (a service's binary and its unit tests).
SERVICE_LIBS_webhooks := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
BINARIES   := $(patsubst %,$(BUILD)/bin/kefu-%,$(SERVICES))

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# Micro-benchmarks (tests/bench/bench_<service>_*.c) link that service's objects.
MICROBENCH_SRC := $(wildcard tests/bench/bench_*.c)
MICROBENCH_BIN := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(MICROBENCH_SRC))
# test_<service>_*.c tests a service's own objects too.
unit_service = $(firstword $(filter $(SERVICES),$(word 2,$(subst _, ,$(1)))))

.PHONY: all build run test unit e2e bench python clean format deps admin
.DEFAULT_GOAL := all
.SECONDARY:
.SECONDEXPANSION:

all: build python
build: $(BINARIES) $(UNIT_BIN) $(MICROBENCH_BIN)

deps:
	@deploy/local/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@deploy/local/run.sh

test: deps
	@tests/run.sh

# The first admin (SCH-2: no default password): make admin STAFF_NO=D0001 NAME='...'
# asks for the password; the database is KEFU_SCHEDULING_DSN or KEFU_DATABASE_URL.
admin: $(BUILD)/bin/kefu-scheduling
	@test -n "$(STAFF_NO)" -a -n "$(NAME)" || { echo "usage: make admin STAFF_NO=D0001 NAME='...'"; exit 2; }
	@read -r -s -p "password for $(STAFF_NO): " password && echo && \
	    printf '%s\n' "$$password" | $(BUILD)/bin/kefu-scheduling create-admin "$(STAFF_NO)" "$(NAME)"

# BENCH_QUICK=1: a one-minute smoke run; BENCH_LARGE=1: also the
# 1,000,000-ticket case; PROFILE=1: perf profile of ticket creation.
PROFILE    ?= 0
BENCH_BIN  := $(BUILD)/bin/kefu-bench-zmq

bench: deps
	@$(MAKE) --no-print-directory SANITIZE=0 all $(BENCH_BIN)
	@PROFILE=$(PROFILE) tests/bench/run.sh

# The ZeroMQ load generator of make bench (tests/bench/kefu_bench_zmq.c).
$(BENCH_BIN): $(BUILD)/obj/tests/bench/kefu_bench_zmq.o $(LIBKEFU)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# --- generated code ---------------------------------------------------------

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

build/py/%_pb2.py: proto/%.proto $(PROTOS)
	@mkdir -p build/py
	protoc --proto_path=proto --python_out=build/py $<

python: $(PROTO_PY)

# Each service's SQL migrations are embedded in its binary, so a container
# needs nothing but the executable.
$(BUILD)/gen/kefu_migrations.c: tools/embed-migrations.sh $(wildcard common/sql/*.sql)
	@mkdir -p $(BUILD)/gen
	tools/embed-migrations.sh kefu common/sql > $@

$(BUILD)/gen/%_migrations.c: tools/embed-migrations.sh $$(wildcard services/$$*/migrations/*.sql)
	@mkdir -p $(BUILD)/gen
	tools/embed-migrations.sh $* services/$*/migrations > $@

# --- objects ------------------------------------------------------------------

$(BUILD)/obj/%.o: %.c $(PROTO_H)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# A service's unit tests include its private headers.
$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c $(PROTO_H)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CPPFLAGS) $(if $(call unit_service,$*),-Iservices/$(call unit_service,$*)) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(PROTO_H)
	@echo "  CC    $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-parameter -c $< -o $@

$(LIBKEFU): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	@$(AR) rcs $@ $^

# A service is its objects (all but main.o, also linked into its unit
# tests) plus main.o.
service_src = $(filter-out services/$(1)/main.c,$(wildcard services/$(1)/*.c))
service_obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(call service_src,$(1))) \
              $(if $(wildcard services/$(1)/migrations/*.sql),$(BUILD)/gen/$(1)_migrations.o)

$(BUILD)/lib/lib%.a: $$(call service_obj,$$*)
	@mkdir -p $(dir $@)
	@$(AR) rcs $@ $^

$(BUILD)/bin/kefu-%: $(BUILD)/obj/services/%/main.o $(BUILD)/lib/lib%.a $(LIBKEFU)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) $^ $(LDLIBS) $(SERVICE_LIBS_$*) -o $@

# A unit test links libkefu and, when its name says so
# (test_<service>_*.c), that service's objects.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $$(if $$(call unit_service,$$*),$(BUILD)/lib/lib$$(call unit_service,$$*).a) $(LIBKEFU)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) $^ $(LDLIBS) $(SERVICE_LIBS_$(call unit_service,$*)) -lcmocka -o $@

$(BUILD)/bench/%: tests/bench/%.c $$(if $$(call unit_service,$$*),$(BUILD)/lib/lib$$(call unit_service,$$*).a) $(LIBKEFU) $(PROTO_H)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(CPPFLAGS) $(if $(call unit_service,$*),-Iservices/$(call unit_service,$*)) $(CFLAGS) $(LDFLAGS) \
	    $(filter %.c %.a,$^) $(LDLIBS) -o $@

unit: $(UNIT_BIN)
	@failed=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || failed=1; done; exit $$failed

format:
	clang-format -i common/*.[ch] services/*/*.[ch] tests/unit/*.c

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
