/* test_nn: the national register / BIS number check digits and the in-text scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nn.h"

struct valid_case {
	const char *digits;
	bool valid;
	const char *why;
};

static const struct valid_case valid_cases[] = {
    {"85073003328", true, "born 1985, check digits on N"},
    {"01020300467", true, "born 2001, check digits on 2000000000 + N"},
    {"03051234504", true, "born 2003, check digits 04"},
    {"85273003371", true, "BIS number, month + 20"},
    {"85473003317", true, "BIS number, month + 40"},
    {"00000000097", true, "unknown birth date (month 0, day 0)"},
    {"85073003329", false, "wrong check digits"},
    {"85073003327", false, "wrong check digits"},
    {"01020300468", false, "post-2000 number, wrong check digits"},
    {"85133003370", false, "month 13 (check digits would match)"},
    {"85333003316", false, "month 33 (check digits would match)"},
    {"85603003311", false, "month 60 (check digits would match)"},
    {"85073203365", false, "day 32 (check digits would match)"},
    {"8507300332a", false, "not all digits"},
};

static void test_valid11(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];
		if (nn_valid11(c->digits) != c->valid)
			fail_msg("case %zu (%s): expected %s", i, c->why,
			         c->valid ? "valid" : "invalid");
	}
}

struct find_case {
	const char *text;
	bool found;
};

static const struct find_case find_cases[] = {
    {"85073003328", true},
    {"85.07.30-033.28", true},
    {"850730 033 28", true},
    {"850730-033-28", true},
    {"85/07/30/033/28", true},
    {"id 850730-033-28 x", true},
    {"x85073003328y", true},
    {"01.02.03-004.67", true},
    {"85.27.30-033.71", true},
    {"nr: 85473003317.", true},
    {"12 85 07 30 033 28", true}, /* a window inside a longer chain */
    {"85073003328 and more", true},
    {"850730033281", false},     /* 12 digits without separators */
    {"185073003328", false},     /* 12 digits without separators */
    {"85073003329", false},      /* wrong check digits */
    {"85.07.30..033.28", false}, /* double separator breaks the chain */
    {"85.07.30_033.28", false},  /* '_' is not a separator */
    {"8507300332", false},       /* 10 digits */
    {"", false},
    {"abcdefghijklmnop", false},
    {"2020-01-15T12:00:00", false},
    {"1234567890", false},
    {"850730 03328x", true},
};

static void test_find(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(find_cases) / sizeof(find_cases[0]); i++) {
		const struct find_case *c = &find_cases[i];
		if (nn_find(c->text, strlen(c->text)) != c->found)
			fail_msg("find case %zu: expected %s", i, c->found ? "found" : "not found");
	}
}

/* Every valid number is found whatever separators and padding surround it, and
 * one changed check digit makes it invisible. */
static void test_find_formats(void **state)
{
	(void)state;
	/* separators after digits 2, 4, 6 and 9 ('\0': none) */
	static const char seps[][4] = {{'.', '.', '-', '.'},
	                               {0, 0, ' ', ' '},
	                               {0, 0, '-', '-'},
	                               {0, 0, 0, 0},
	                               {'/', '/', ' ', '-'}};
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const char *d = valid_cases[i].digits;
		if (!valid_cases[i].valid)
			continue;
		for (size_t f = 0; f < sizeof(seps) / sizeof(seps[0]); f++) {
			char text[80] = "see ";
			size_t k = strlen(text);
			for (size_t j = 0; j < 11; j++) {
				text[k++] = d[j];
				int s = j == 1 ? 0 : j == 3 ? 1 : j == 5 ? 2 : j == 8 ? 3 : -1;
				if (s >= 0 && seps[f][s])
					text[k++] = seps[f][s];
			}
			size_t last = k - 1;
			strcpy(text + k, " here");
			assert_true(nn_find(text, strlen(text)));
			/* change the last check digit */
			text[last] = text[last] == '9' ? '0' : (char)(text[last] + 1);
			if (nn_find(text, strlen(text))) {
				/* only if the altered number is valid under the other century */
				char digits[12];
				size_t n = 0;
				for (const char *s = text; *s && n < 11; s++)
					if (*s >= '0' && *s <= '9')
						digits[n++] = *s;
				digits[11] = '\0';
				assert_true(nn_valid11(digits));
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid11),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_find_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
