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

/*  A JSON string holding `text`, with every byte sequence that is not valid
 *  UTF-8 replaced by U+FFFD. For text from outside (a service's message, a
 *  client's header) that must end up in JSON. New reference, NULL when out
 *  of memory. */
json_t *kefu_json_string_lossy (const char *text);

#endif
