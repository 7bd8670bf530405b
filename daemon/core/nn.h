/*
 * nn: detection of Belgian national register numbers and BIS numbers in any
 * text.  A number is 11 digits YYMMDD SSS CC; with N the first 9 digits, it is
 * valid when CC == 97 - N mod 97 (born before 2000) or CC == 97 - (2000000000 + N)
 * mod 97 (born 2000 or later).  BIS numbers add 20 or 40 to the month.  The date
 * part must be plausible: month 0-12, 20-32 or 40-52, day 0-31.
 */
#ifndef DELIBERD_NN_H
#define DELIBERD_NN_H

#include <stdbool.h>
#include <stddef.h>

/* Are these exactly 11 ASCII digits forming a valid national or BIS number? */
bool nn_valid11(const char d[11]);

/* Does s[0..len) contain a valid number?  Digits are read in groups separated by
 * single separators among '.', '-', ' ' and '/'; any run of whole consecutive
 * groups totalling exactly 11 digits is a candidate (so "85.07.30-033.28",
 * "850730 033 28" and "85073003328" all count), while a group of 12 or more digits
 * is not.  Cheap on cells with fewer than 11 digits. */
bool nn_find(const char *s, size_t len);

#endif
