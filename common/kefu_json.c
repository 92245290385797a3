/*  kefu_json: protobuf-c <-> jansson by reflection. See kefu_json.h.
 *
 *  Memory: a message built here must be freeable by protobuf-c's own
 *  protobuf_c_message_free_unpacked (message, NULL), which frees with the
 *  default allocator (malloc/free) and walks the descriptor: every string,
 *  bytes buffer, sub-message and repeated array it finds is freed, except a
 *  string, bytes or sub-message pointer equal to the field's default_value
 *  (proto3 strings start as protobuf_c_empty_string, which is that default).
 *  So everything here is malloc'd, a repeated field's array and count are
 *  stored before its elements are filled (zeroed, so a half-filled array
 *  frees cleanly), and a sub-message is hung on its parent before it is
 *  filled. On any error the whole message is freed in one call.
 */
#include "kefu_json.h"

#include <assert.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*  The field path of the value being converted, for error messages. */
typedef struct {
    char text[KEFU_JSON_FIELD_MAX];
    size_t length;
} json_path_t;

/*  The UTF-8 encoding of U+FFFD REPLACEMENT CHARACTER. */
static const char utf8_replacement[] = "\xEF\xBF\xBD";

/*  Append ".name" (or "name" at the root) to the path; returns the length
 *  to restore afterwards. Text past the buffer is dropped. */
static size_t
json_path_push_name (json_path_t *path, const char *name)
{
    size_t saved = path->length;
    int written = snprintf (path->text + path->length, sizeof path->text - path->length, "%s%s",
                            path->length ? "." : "", name);
    if (written > 0)
        path->length += (size_t)written;
    if (path->length >= sizeof path->text)
        path->length = sizeof path->text - 1;
    return saved;
}

static size_t
json_path_push_index (json_path_t *path, size_t index)
{
    size_t saved = path->length;
    int written =
        snprintf (path->text + path->length, sizeof path->text - path->length, "[%zu]", index);
    if (written > 0)
        path->length += (size_t)written;
    if (path->length >= sizeof path->text)
        path->length = sizeof path->text - 1;
    return saved;
}

static void
json_path_pop (json_path_t *path, size_t saved)
{
    path->length = saved;
    path->text[saved] = '\0';
}

/*  Record why the input was refused; always returns KEFU_JSON_INVALID. */
static kefu_json_result_t json_refuse (kefu_json_error_t *error, const json_path_t *path,
                                       const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

static kefu_json_result_t
json_refuse (kefu_json_error_t *error, const json_path_t *path, const char *format, ...)
{
    if (error) {
        snprintf (error->field, sizeof error->field, "%s", path->text);
        va_list args;
        va_start (args, format);
        vsnprintf (error->reason, sizeof error->reason, format, args);
        va_end (args);
    }
    return KEFU_JSON_INVALID;
}

static kefu_json_result_t
json_out_of_memory (kefu_json_error_t *error)
{
    if (error) {
        error->field[0] = '\0';
        snprintf (error->reason, sizeof error->reason, "out of memory");
    }
    return KEFU_JSON_NO_MEMORY;
}

/*  Bytes one element of a field takes in its struct (or repeated array). */
static size_t
json_field_element_size (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_ENUM:
            return sizeof (int32_t);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return sizeof (uint32_t);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            return sizeof (int64_t);
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return sizeof (uint64_t);
        case PROTOBUF_C_TYPE_FLOAT:
            return sizeof (float);
        case PROTOBUF_C_TYPE_DOUBLE:
            return sizeof (double);
        case PROTOBUF_C_TYPE_BOOL:
            return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_STRING:
            return sizeof (char *);
        case PROTOBUF_C_TYPE_BYTES:
            return sizeof (ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_MESSAGE:
            return sizeof (ProtobufCMessage *);
    }
    return 0;
}

/*  True for the types protobuf-c gives a has_ flag when they are optional
 *  (pointer types signal absence with NULL instead). */
static bool
json_field_has_flag (const ProtobufCFieldDescriptor *field)
{
    return field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING &&
           field->type != PROTOBUF_C_TYPE_MESSAGE && !(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF);
}

static void *
json_member (void *message, unsigned offset)
{
    return (char *)message + offset;
}

static const void *
json_member_const (const void *message, unsigned offset)
{
    return (const char *)message + offset;
}

/*  A new message of this type with every field at its default, malloc'd
 *  as protobuf_c_message_free_unpacked expects; NULL when out of memory. */
static ProtobufCMessage *
json_message_new (const ProtobufCMessageDescriptor *descriptor)
{
    ProtobufCMessage *message = malloc (descriptor->sizeof_message);
    if (message)
        protobuf_c_message_init (descriptor, message);
    return message;
}

static kefu_json_result_t json_object_to_message (const json_t *object, ProtobufCMessage *message,
                                                  json_path_t *path, int depth,
                                                  kefu_json_error_t *error);

/*  Check a JSON integer for a field of `type` and store it at `member`. */
static kefu_json_result_t
json_integer_to_member (const json_t *value, ProtobufCType type, void *member,
                        const json_path_t *path, kefu_json_error_t *error)
{
    if (!json_is_integer (value))
        return json_refuse (error, path, "must be an integer");
    json_int_t number = json_integer_value (value);
    switch (type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            if (number < INT32_MIN || number > INT32_MAX)
                return json_refuse (error, path, "must be an integer from %" PRId32 " to %" PRId32,
                                    INT32_MIN, INT32_MAX);
            *(int32_t *)member = (int32_t)number;
            return KEFU_JSON_OK;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            if (number < 0 || number > (json_int_t)UINT32_MAX)
                return json_refuse (error, path, "must be an integer from 0 to %" PRIu32,
                                    UINT32_MAX);
            *(uint32_t *)member = (uint32_t)number;
            return KEFU_JSON_OK;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            *(int64_t *)member = (int64_t)number;
            return KEFU_JSON_OK;
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            if (number < 0)
                return json_refuse (error, path, "must not be negative");
            *(uint64_t *)member = (uint64_t)number;
            return KEFU_JSON_OK;
        default:
            assert (!"not an integer type");
            return KEFU_JSON_INVALID;
    }
}

/*  Decode a base64 JSON string into a malloc'd buffer at `member`. */
static kefu_json_result_t
json_base64_to_member (const json_t *value, ProtobufCBinaryData *member, const json_path_t *path,
                       kefu_json_error_t *error)
{
    if (!json_is_string (value))
        return json_refuse (error, path, "must be a base64 string");
    const char *text = json_string_value (value);
    size_t text_length = json_string_length (value);
    member->len = 0;
    member->data = NULL;
    if (text_length == 0)
        return KEFU_JSON_OK;
    size_t capacity = text_length / 4 * 3 + 3;
    unsigned char *data = malloc (capacity);
    if (!data)
        return json_out_of_memory (error);
    size_t decoded = 0;
    const char *end = NULL;
    if (sodium_base642bin (data, capacity, text, text_length, NULL, &decoded, &end,
                           sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text + text_length) {
        free (data);
        return json_refuse (error, path, "must be standard base64 (with padding)");
    }
    member->data = data;
    member->len = decoded;
    return KEFU_JSON_OK;
}

/*  Convert one JSON value (not null, not an array) into the storage of one
 *  element of `field` at `member`. A sub-message is hung on `member` before
 *  it is filled, so an error leaves nothing unowned. */
static kefu_json_result_t
json_value_to_member (const json_t *value, const ProtobufCFieldDescriptor *field, void *member,
                      json_path_t *path, int depth, kefu_json_error_t *error)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return json_integer_to_member (value, field->type, member, path, error);

        case PROTOBUF_C_TYPE_FLOAT:
            if (!json_is_number (value))
                return json_refuse (error, path, "must be a number");
            *(float *)member = (float)json_number_value (value);
            return KEFU_JSON_OK;

        case PROTOBUF_C_TYPE_DOUBLE:
            if (!json_is_number (value))
                return json_refuse (error, path, "must be a number");
            *(double *)member = json_number_value (value);
            return KEFU_JSON_OK;

        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (value))
                return json_refuse (error, path, "must be true or false");
            *(protobuf_c_boolean *)member = json_is_true (value);
            return KEFU_JSON_OK;

        case PROTOBUF_C_TYPE_ENUM: {
            if (!json_is_string (value))
                return json_refuse (error, path, "must be a string naming one of the values");
            const ProtobufCEnumValue *named = protobuf_c_enum_descriptor_get_value_by_name (
                field->descriptor, json_string_value (value));
            if (!named)
                return json_refuse (error, path, "is not one of the allowed values");
            *(int32_t *)member = named->value;
            return KEFU_JSON_OK;
        }

        case PROTOBUF_C_TYPE_STRING: {
            if (!json_is_string (value))
                return json_refuse (error, path, "must be a string");
            const char *text = json_string_value (value);
            size_t length = json_string_length (value);
            /*  protobuf-c strings end at the first NUL: refuse rather than
             *  silently cut (jansson admits \u0000 only when asked to). */
            if (memchr (text, '\0', length))
                return json_refuse (error, path, "must not contain NUL characters");
            char *copy = malloc (length + 1);
            if (!copy)
                return json_out_of_memory (error);
            memcpy (copy, text, length + 1);
            *(char **)member = copy;
            return KEFU_JSON_OK;
        }

        case PROTOBUF_C_TYPE_BYTES:
            return json_base64_to_member (value, member, path, error);

        case PROTOBUF_C_TYPE_MESSAGE: {
            if (!json_is_object (value))
                return json_refuse (error, path, "must be an object");
            ProtobufCMessage *child = json_message_new (field->descriptor);
            if (!child)
                return json_out_of_memory (error);
            *(ProtobufCMessage **)member = child;
            return json_object_to_message (value, child, path, depth + 1, error);
        }
    }
    return json_refuse (error, path, "has a type this gateway cannot convert");
}

/*  Fill a repeated field from a JSON array. */
static kefu_json_result_t
json_array_to_field (const json_t *array, const ProtobufCFieldDescriptor *field,
                     ProtobufCMessage *message, json_path_t *path, int depth,
                     kefu_json_error_t *error)
{
    if (!json_is_array (array))
        return json_refuse (error, path, "must be an array");
    if (depth + 1 > KEFU_JSON_MAX_DEPTH)
        return json_refuse (error, path, "is nested deeper than %d levels", KEFU_JSON_MAX_DEPTH);
    size_t count = json_array_size (array);
    if (count > KEFU_JSON_MAX_ARRAY)
        return json_refuse (error, path, "must have at most %d elements", KEFU_JSON_MAX_ARRAY);
    if (count == 0)
        return KEFU_JSON_OK;

    size_t element_size = json_field_element_size (field->type);
    char *elements = calloc (count, element_size);
    if (!elements)
        return json_out_of_memory (error);
    /*  Owned by the message from here on: free_unpacked frees the array
     *  and every non-NULL element in it. */
    *(void **)json_member (message, field->offset) = elements;
    *(size_t *)json_member (message, field->quantifier_offset) = count;

    for (size_t index = 0; index < count; index++) {
        const json_t *element = json_array_get (array, index);
        size_t saved = json_path_push_index (path, index);
        kefu_json_result_t result;
        if (json_is_null (element))
            result = json_refuse (error, path, "must not be null");
        else
            result = json_value_to_member (element, field, elements + index * element_size, path,
                                           depth + 1, error);
        if (result != KEFU_JSON_OK)
            return result;
        json_path_pop (path, saved);
    }
    return KEFU_JSON_OK;
}

/*  Fill `message` from the JSON object, key by key. */
static kefu_json_result_t
json_object_to_message (const json_t *object, ProtobufCMessage *message, json_path_t *path,
                        int depth, kefu_json_error_t *error)
{
    if (depth > KEFU_JSON_MAX_DEPTH)
        return json_refuse (error, path, "is nested deeper than %d levels", KEFU_JSON_MAX_DEPTH);
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)object, key, value)
    {
        size_t saved = json_path_push_name (path, key);
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name (descriptor, key);
        if (!field)
            return json_refuse (error, path, "unknown field");
        if (json_is_null (value)) {
            json_path_pop (path, saved);
            continue;
        }
        kefu_json_result_t result;
        if (field->label == PROTOBUF_C_LABEL_REPEATED)
            result = json_array_to_field (value, field, message, path, depth, error);
        else {
            if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
                uint32_t *chosen = json_member (message, field->quantifier_offset);
                if (*chosen != 0 && *chosen != field->id)
                    return json_refuse (error, path, "conflicts with another field of its oneof");
                *chosen = field->id;
            } else if (json_field_has_flag (field))
                *(protobuf_c_boolean *)json_member (message, field->quantifier_offset) = 1;
            result = json_value_to_member (value, field, json_member (message, field->offset), path,
                                           depth, error);
        }
        if (result != KEFU_JSON_OK)
            return result;
        json_path_pop (path, saved);
    }
    return KEFU_JSON_OK;
}

kefu_json_result_t
kefu_json_to_proto (const json_t *object, const ProtobufCMessageDescriptor *descriptor,
                    ProtobufCMessage **message_out, kefu_json_error_t *error)
{
    assert (descriptor && descriptor->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    assert (message_out);
    *message_out = NULL;
    json_path_t path = {.text = "", .length = 0};
    if (!object || !json_is_object (object))
        return json_refuse (error, &path, "must be a JSON object");

    ProtobufCMessage *message = json_message_new (descriptor);
    if (!message)
        return json_out_of_memory (error);
    kefu_json_result_t result = json_object_to_message (object, message, &path, 1, error);
    if (result != KEFU_JSON_OK) {
        protobuf_c_message_free_unpacked (message, NULL);
        return result;
    }
    *message_out = message;
    return KEFU_JSON_OK;
}

/* --- message -> JSON ------------------------------------------------------ */

/*  Length of the valid UTF-8 sequence at `text` (at most `available`
 *  bytes), or 0 if it is not one. Refuses overlong forms, surrogates and
 *  code points past U+10FFFF, as RFC 3629 does. */
static size_t
json_utf8_sequence_length (const unsigned char *text, size_t available)
{
    unsigned char lead = text[0];
    size_t length;
    uint32_t code_point;
    uint32_t minimum;
    if (lead < 0x80)
        return 1;
    else if ((lead & 0xE0) == 0xC0) {
        length = 2;
        code_point = lead & 0x1F;
        minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        code_point = lead & 0x0F;
        minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        code_point = lead & 0x07;
        minimum = 0x10000;
    } else
        return 0;
    if (length > available)
        return 0;
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        code_point = (code_point << 6) | (text[i] & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF))
        return 0;
    return length;
}

json_t *
kefu_json_string_lossy (const char *text)
{
    if (!text)
        text = "";
    const unsigned char *bytes = (const unsigned char *)text;
    size_t length = strlen (text);
    size_t position = 0;
    while (position < length) {
        size_t step = json_utf8_sequence_length (bytes + position, length - position);
        if (step == 0)
            break;
        position += step;
    }
    if (position == length)
        return json_stringn (text, length);

    /*  Repair: each invalid byte becomes one U+FFFD (3 bytes). */
    char *repaired = malloc (length * (sizeof utf8_replacement - 1) + 1);
    if (!repaired)
        return NULL;
    size_t out = 0;
    position = 0;
    while (position < length) {
        size_t step = json_utf8_sequence_length (bytes + position, length - position);
        if (step == 0) {
            memcpy (repaired + out, utf8_replacement, sizeof utf8_replacement - 1);
            out += sizeof utf8_replacement - 1;
            position++;
        } else {
            memcpy (repaired + out, text + position, step);
            out += step;
            position += step;
        }
    }
    json_t *string = json_stringn (repaired, out);
    free (repaired);
    return string;
}

static json_t *json_message_to_object (const ProtobufCMessage *message, int depth);

/*  One element of `field` stored at `member` as a new JSON value. */
static json_t *
json_member_to_value (const ProtobufCFieldDescriptor *field, const void *member, int depth)
{
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *)member);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *)member);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            return json_integer (*(const int64_t *)member);
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64: {
            uint64_t number = *(const uint64_t *)member;
            if (number <= (uint64_t)INT64_MAX)
                return json_integer ((json_int_t)number);
            /*  jansson integers are signed 64-bit: a larger value is
             *  written as its decimal text rather than wrapped. */
            char text[sizeof "18446744073709551615"];
            snprintf (text, sizeof text, "%" PRIu64, number);
            return json_string (text);
        }
        case PROTOBUF_C_TYPE_FLOAT: {
            double number = *(const float *)member;
            return isfinite (number) ? json_real (number) : json_null ();
        }
        case PROTOBUF_C_TYPE_DOUBLE: {
            double number = *(const double *)member;
            return isfinite (number) ? json_real (number) : json_null ();
        }
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *)member);
        case PROTOBUF_C_TYPE_ENUM: {
            int32_t number = *(const int32_t *)member;
            const ProtobufCEnumValue *named =
                protobuf_c_enum_descriptor_get_value (field->descriptor, number);
            /*  A value newer than our schema: its number is all we have. */
            return named ? json_string (named->name) : json_integer (number);
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *text = *(char *const *)member;
            return text ? kefu_json_string_lossy (text) : json_null ();
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *data = member;
            if (data->len == 0)
                return json_string ("");
            size_t encoded_size =
                sodium_base64_ENCODED_LEN (data->len, sodium_base64_VARIANT_ORIGINAL);
            char *encoded = malloc (encoded_size);
            if (!encoded)
                return NULL;
            sodium_bin2base64 (encoded, encoded_size, data->data, data->len,
                               sodium_base64_VARIANT_ORIGINAL);
            json_t *string = json_string (encoded);
            free (encoded);
            return string;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *child = *(ProtobufCMessage *const *)member;
            return child ? json_message_to_object (child, depth + 1) : json_null ();
        }
    }
    return NULL;
}

/*  The JSON value of a whole field (an array for a repeated one). */
static json_t *
json_field_to_value (const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field,
                     int depth)
{
    const void *member = json_member_const (message, field->offset);
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        if (depth + 1 > KEFU_JSON_MAX_DEPTH)
            return NULL;
        size_t count = *(const size_t *)json_member_const (message, field->quantifier_offset);
        const char *elements = *(const char *const *)member;
        size_t element_size = json_field_element_size (field->type);
        json_t *array = json_array ();
        if (!array)
            return NULL;
        for (size_t index = 0; index < count; index++) {
            json_t *element =
                json_member_to_value (field, elements + index * element_size, depth + 1);
            if (!element || json_array_append_new (array, element) != 0) {
                json_decref (array);
                return NULL;
            }
        }
        return array;
    }
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t chosen = *(const uint32_t *)json_member_const (message, field->quantifier_offset);
        if (chosen != field->id)
            return json_null ();
    } else if (json_field_has_flag (field) &&
               !*(const protobuf_c_boolean *)json_member_const (message, field->quantifier_offset))
        return json_null ();
    /*  A proto3 string is never NULL; write "" rather than null if one is. */
    if (field->type == PROTOBUF_C_TYPE_STRING && field->label == PROTOBUF_C_LABEL_NONE &&
        *(char *const *)member == NULL)
        return json_string ("");
    return json_member_to_value (field, member, depth);
}

static json_t *
json_message_to_object (const ProtobufCMessage *message, int depth)
{
    if (depth > KEFU_JSON_MAX_DEPTH)
        return NULL;
    const ProtobufCMessageDescriptor *descriptor = message->descriptor;
    json_t *object = json_object ();
    if (!object)
        return NULL;
    for (unsigned index = 0; index < descriptor->n_fields; index++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields[index];
        json_t *value = json_field_to_value (message, field, depth);
        if (!value || json_object_set_new (object, field->name, value) != 0) {
            json_decref (object);
            return NULL;
        }
    }
    return object;
}

json_t *
kefu_json_from_proto (const ProtobufCMessage *message)
{
    assert (message && message->descriptor);
    return json_message_to_object (message, 1);
}

/* --- JSON Schema of the two conversions ----------------------------------- */

/*  Set `key` of `object` to `value` (taken over, also on failure); false
 *  when either is NULL (out of memory) or setting fails. */
static bool
json_schema_set (json_t *object, const char *key, json_t *value)
{
    if (!object || !value) {
        json_decref (value);
        return false;
    }
    return json_object_set_new (object, key, value) == 0;
}

/*  {"type": "integer", "minimum": min, "maximum": max, "format": format}. */
static json_t *
json_schema_integer (json_int_t minimum, json_int_t maximum, const char *format)
{
    return json_pack ("{s:s,s:I,s:I,s:s}", "type", "integer", "minimum", minimum, "maximum",
                      maximum, "format", format);
}

/*  The names of an enum's values, as both converters write and read them. */
static json_t *
json_schema_enum_names (const ProtobufCEnumDescriptor *descriptor)
{
    json_t *names = json_array ();
    for (unsigned i = 0; names && i < descriptor->n_values; i++)
        if (json_array_append_new (names, json_string (descriptor->values[i].name)) != 0) {
            json_decref (names);
            return NULL;
        }
    return names;
}

/*  `schema` (taken over) that also admits null: a "type" widened to
 *  [type, "null"] when it is a plain one, otherwise anyOf with null. */
static json_t *
json_schema_or_null (json_t *schema)
{
    if (!schema)
        return NULL;
    json_t *type = json_object_get (schema, "type");
    if (json_is_string (type) && !json_object_get (schema, "enum")) {
        json_t *types = json_pack ("[O,s]", type, "null");
        if (!json_schema_set (schema, "type", types)) {
            json_decref (schema);
            return NULL;
        }
        return schema;
    }
    return json_pack ("{s:[o,{s:s}]}", "anyOf", schema, "type", "null");
}

bool
kefu_json_schema_name (const ProtobufCMessageDescriptor *descriptor, kefu_json_schema_side_t side,
                       char *name, size_t size)
{
    int written = snprintf (name, size, "%s%s", descriptor->name,
                            side == KEFU_JSON_SCHEMA_INPUT ? ".input" : "");
    return written > 0 && (size_t)written < size;
}

static json_t *json_schema_message (const ProtobufCMessageDescriptor *descriptor,
                                    kefu_json_schema_side_t side, const char *ref_prefix,
                                    json_t *definitions);

/*  A reference to the definition of a sub-message type, added to
 *  `definitions` first if missing (an empty placeholder goes in before its
 *  schema is built, so a message that contains itself ends). */
static json_t *
json_schema_reference (const ProtobufCMessageDescriptor *descriptor, kefu_json_schema_side_t side,
                       const char *ref_prefix, json_t *definitions)
{
    char name[KEFU_JSON_FIELD_MAX];
    char reference[KEFU_JSON_FIELD_MAX * 2];
    if (!kefu_json_schema_name (descriptor, side, name, sizeof name))
        return NULL;
    int written = snprintf (reference, sizeof reference, "%s%s", ref_prefix, name);
    if (written < 0 || (size_t)written >= sizeof reference)
        return NULL;
    if (!json_object_get (definitions, name)) {
        if (!json_schema_set (definitions, name, json_object ()))
            return NULL;
        if (!json_schema_set (definitions, name,
                              json_schema_message (descriptor, side, ref_prefix, definitions)))
            return NULL;
    }
    return json_pack ("{s:s}", "$ref", reference);
}

/*  The schema of one element of `field` (mirrors json_value_to_member on
 *  the INPUT side and json_member_to_value on the OUTPUT side). */
static json_t *
json_schema_element (const ProtobufCFieldDescriptor *field, kefu_json_schema_side_t side,
                     const char *ref_prefix, json_t *definitions)
{
    bool output = side == KEFU_JSON_SCHEMA_OUTPUT;
    switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_schema_integer (INT32_MIN, INT32_MAX, "int32");
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_schema_integer (0, UINT32_MAX, "uint32");
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            return json_schema_integer (INT64_MIN, INT64_MAX, "int64");
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            /*  JSON integers here are signed 64-bit: beyond, text. */
            if (output)
                return json_pack ("{s:[o,{s:s,s:s}]}", "oneOf",
                                  json_schema_integer (0, INT64_MAX, "uint64"), "type", "string",
                                  "pattern", "^[0-9]{19,20}$");
            return json_schema_integer (0, INT64_MAX, "uint64");
        case PROTOBUF_C_TYPE_FLOAT:
        case PROTOBUF_C_TYPE_DOUBLE:
            /*  A non-finite number has no JSON form: written as null. */
            return output ? json_pack ("{s:[s,s]}", "type", "number", "null")
                          : json_pack ("{s:s}", "type", "number");
        case PROTOBUF_C_TYPE_BOOL:
            return json_pack ("{s:s}", "type", "boolean");
        case PROTOBUF_C_TYPE_ENUM: {
            json_t *named = json_pack ("{s:s,s:o}", "type", "string", "enum",
                                       json_schema_enum_names (field->descriptor));
            /*  A value newer than the schema is written as its number. */
            if (output && named)
                return json_pack ("{s:[o,{s:s,s:s}]}", "anyOf", named, "type", "integer", "format",
                                  "int32");
            return named;
        }
        case PROTOBUF_C_TYPE_STRING:
            return json_pack ("{s:s}", "type", "string");
        case PROTOBUF_C_TYPE_BYTES:
            return json_pack ("{s:s,s:s}", "type", "string", "contentEncoding", "base64");
        case PROTOBUF_C_TYPE_MESSAGE:
            return json_schema_reference (field->descriptor, side, ref_prefix, definitions);
    }
    return NULL;
}

/*  True when the OUTPUT side may write null for a singular field: it has
 *  presence and is absent (json_field_to_value). */
static bool
json_schema_output_nullable (const ProtobufCFieldDescriptor *field)
{
    return field->label == PROTOBUF_C_LABEL_OPTIONAL ||
           (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || field->type == PROTOBUF_C_TYPE_MESSAGE;
}

static json_t *
json_schema_field (const ProtobufCFieldDescriptor *field, kefu_json_schema_side_t side,
                   const char *ref_prefix, json_t *definitions)
{
    json_t *element = json_schema_element (field, side, ref_prefix, definitions);
    if (!element)
        return NULL;
    json_t *schema = element;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        schema = side == KEFU_JSON_SCHEMA_INPUT
                     ? json_pack ("{s:s,s:o,s:i}", "type", "array", "items", element, "maxItems",
                                  KEFU_JSON_MAX_ARRAY)
                     : json_pack ("{s:s,s:o}", "type", "array", "items", element);
        if (!schema)
            return NULL;
    }
    /*  On input, null means absent for every field. */
    if (side == KEFU_JSON_SCHEMA_INPUT ||
        (field->label != PROTOBUF_C_LABEL_REPEATED && json_schema_output_nullable (field)))
        return json_schema_or_null (schema);
    return schema;
}

static json_t *
json_schema_message (const ProtobufCMessageDescriptor *descriptor, kefu_json_schema_side_t side,
                     const char *ref_prefix, json_t *definitions)
{
    json_t *schema = json_pack ("{s:s}", "type", "object");
    json_t *properties = json_object ();
    json_t *required = json_array ();
    bool built = schema && properties && required;
    for (unsigned i = 0; built && i < descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &descriptor->fields[i];
        built = json_schema_set (properties, field->name,
                                 json_schema_field (field, side, ref_prefix, definitions)) &&
                (side == KEFU_JSON_SCHEMA_INPUT ||
                 json_array_append_new (required, json_string (field->name)) == 0);
    }
    built = built && json_schema_set (schema, "properties", json_incref (properties));
    if (side == KEFU_JSON_SCHEMA_INPUT)
        /*  kefu_json_to_proto refuses unknown keys. */
        built = built && json_schema_set (schema, "additionalProperties", json_false ());
    else if (json_array_size (required) > 0)
        built = built && json_schema_set (schema, "required", json_incref (required));
    json_decref (properties);
    json_decref (required);
    if (!built) {
        json_decref (schema);
        return NULL;
    }
    return schema;
}

json_t *
kefu_json_schema (const ProtobufCMessageDescriptor *descriptor, kefu_json_schema_side_t side,
                  const char *ref_prefix, json_t *definitions)
{
    assert (descriptor && descriptor->magic == PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC);
    assert (ref_prefix && json_is_object (definitions));
    return json_schema_message (descriptor, side, ref_prefix, definitions);
}
