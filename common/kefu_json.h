/*  kefu_json: protobuf-c messages <-> jansson JSON, by reflection.
 *
 *  The HTTP gateway speaks JSON to clients and protobuf to services. Rather
 *  than hand-write a converter per message, this class walks the protobuf-c
 *  descriptors, so a new message (or a new field) needs no new code. JSON
 *  keys are the proto field names (snake_case), enums travel as their value
 *  names, bytes as standard base64, 64-bit integers as JSON integers.
 *
 *  Input is untrusted: kefu_json_to_proto is strict (an unknown key, a wrong
 *  JSON type, an out-of-range integer are errors naming the field) and
 *  bounded (nesting depth, array length). Output is always valid JSON: text
 *  that is not valid UTF-8 is repaired, never passed through.
 */
#ifndef KEFU_JSON_H_INCLUDED
#define KEFU_JSON_H_INCLUDED

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

enum {
    /*  Objects and arrays nested deeper than this are refused; our messages
     *  are three levels deep at most, so this leaves room and stops a
     *  hostile document from costing more than a few stack frames. */
    KEFU_JSON_MAX_DEPTH = 16,
    /*  Elements of one repeated field; larger inputs are refused. */
    KEFU_JSON_MAX_ARRAY = 1000,
    /*  Sizes of the error texts (longer paths are truncated). */
    KEFU_JSON_FIELD_MAX = 128,
    KEFU_JSON_REASON_MAX = 128
};

/*  What kefu_json_to_proto returns. */
typedef enum {
    KEFU_JSON_OK = 0,
    KEFU_JSON_INVALID = -1,  /* the input broke a rule: see the error */
    KEFU_JSON_NO_MEMORY = -2 /* not the client's fault */
} kefu_json_result_t;

/*  Why an input was refused. */
typedef struct {
    /*  The field at fault as a path: "subject", "actor.roles[2]"; "" when
     *  the document itself is at fault (not an object). */
    char field[KEFU_JSON_FIELD_MAX];
    /*  A short reason: "must be a string", "unknown field". */
    char reason[KEFU_JSON_REASON_MAX];
} kefu_json_error_t;

/*  Build a message of type `descriptor` from the JSON `object`.
 *
 *  JSON null for a field means "absent" (the field keeps its default).
 *  Strings must be JSON strings, integer fields JSON integers within the
 *  field's range, bool true/false, floating fields numbers, enums the name
 *  of one of their values, bytes base64 strings, messages objects and
 *  repeated fields arrays (null elements refused).
 *
 *  On KEFU_JSON_OK *message_out is the caller's, to free with
 *  protobuf_c_message_free_unpacked (message, NULL). Otherwise *message_out
 *  is NULL and `error` (if not NULL) says which field and why. */
kefu_json_result_t kefu_json_to_proto (const json_t *object,
                                       const ProtobufCMessageDescriptor *descriptor,
                                       ProtobufCMessage **message_out, kefu_json_error_t *error);

/*  Render `message` as a JSON object with every field present: proto3
 *  defaults are written out ("" for an empty string, 0, false, [] for an
 *  empty repeated field); a field without presence that is absent (an
 *  unset sub-message, an unset optional or oneof member) is null. Returns a
 *  new reference, or NULL when out of memory or nested deeper than
 *  KEFU_JSON_MAX_DEPTH. */
json_t *kefu_json_from_proto (const ProtobufCMessage *message);

/*  Which side of the conversion a schema describes. */
typedef enum {
    KEFU_JSON_SCHEMA_INPUT, /* what kefu_json_to_proto accepts */
    KEFU_JSON_SCHEMA_OUTPUT /* what kefu_json_from_proto writes */
} kefu_json_schema_side_t;

/*  The JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of the JSON
 *  form of messages of type `descriptor`, on one side of the conversion,
 *  derived from the same rules the converters above apply, so that a
 *  published contract cannot drift from what is accepted and written:
 *
 *    INPUT: an object with only the message's fields (additionalProperties
 *    false), each optional and nullable (null means absent), repeated
 *    fields at most KEFU_JSON_MAX_ARRAY long, integers within their type's
 *    range, enums one of their value names.
 *    OUTPUT: every field present (required); null only where a field has
 *    presence and may be absent (a sub-message, an optional or oneof
 *    member) or for a non-finite float; a uint64 beyond INT64_MAX is its
 *    decimal text; an enum value newer than the schema is its number.
 *
 *  The message itself is returned inline (callers may adjust it); every
 *  sub-message type is a {"$ref": "<ref_prefix><name>"} whose schema is
 *  added to the `definitions` object under <name> when not there yet:
 *  name is the message's full name ("kefu.v1.Ticket"), with ".input"
 *  appended on the INPUT side. Returns a new reference, or NULL when out of
 *  memory. */
json_t *kefu_json_schema (const ProtobufCMessageDescriptor *descriptor,
                          kefu_json_schema_side_t side, const char *ref_prefix,
                          json_t *definitions);

/*  The definitions name kefu_json_schema gives `descriptor` on `side`,
 *  written into `name` (`size` bytes); false when it does not fit. */
bool kefu_json_schema_name (const ProtobufCMessageDescriptor *descriptor,
                            kefu_json_schema_side_t side, char *name, size_t size);

/*  A JSON string holding `text`, with every byte sequence that is not valid
 *  UTF-8 replaced by U+FFFD. For text from outside (a service's message, a
 *  client's header) that must end up in JSON. New reference, NULL when out
 *  of memory. */
json_t *kefu_json_string_lossy (const char *text);

#endif
