/*  scheduling_common_passwords: passwords too common to allow (SCH-2),
 *  lower case, NULL-terminated. The list is data shipped with kefu; add to
 *  it freely.
 */
#ifndef SCHEDULING_COMMON_PASSWORDS_H_INCLUDED
#define SCHEDULING_COMMON_PASSWORDS_H_INCLUDED

extern const char *const scheduling_common_passwords[];

#endif
