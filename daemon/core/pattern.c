/*
 * pattern: compiles a pattern (syntax in pattern.h) into alternatives, each a list
 * of steps "one byte of this class", optionally optional or repeated, and matches
 * with a deterministic automaton built at compile time (a table lookup per byte),
 * or, when that would be too large, by simulating the NFA over step positions
 * with bitsets: linear in the value either way, never backtracking.  An
 * alternative made only of plain steps (the usual "[0-9]{5}") is matched directly
 * by length and classes.
 */
#include "pattern.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 256
#define MAX_ALTS 32
#define MAX_REPEAT 64

enum step_kind { STEP_ONE, STEP_OPT, STEP_STAR };

struct step {
	uint64_t set[4];
	uint8_t kind;
};

/* The alternative as a deterministic automaton, when it has few enough states:
 * one table lookup per byte. */
#define DFA_MAX_STATES 128
struct dfa {
	int16_t (*next)[256]; /* -1: no match possible */
	bool *accept;
	size_t nstates;
};

struct alt {
	struct step *steps;
	size_t nsteps;
	bool plain; /* only STEP_ONE */
	struct dfa *dfa;
};

struct pattern {
	struct alt alts[MAX_ALTS];
	size_t nalts;
};

static inline void set_add(uint64_t *set, unsigned c)
{
	set[c >> 6] |= 1ull << (c & 63);
}

static inline bool set_has(const uint64_t *set, unsigned char c)
{
	return (set[c >> 6] >> (c & 63)) & 1;
}

static void set_range(uint64_t *set, unsigned a, unsigned b)
{
	for (unsigned c = a; c <= b; c++)
		set_add(set, c);
}

/* \d \w \s into set; false if ch names no class. */
static bool class_escape(uint64_t *set, char ch)
{
	switch (ch) {
	case 'd':
		set_range(set, '0', '9');
		return true;
	case 'w':
		set_range(set, '0', '9');
		set_range(set, 'A', 'Z');
		set_range(set, 'a', 'z');
		set_add(set, '_');
		return true;
	case 's':
		set_add(set, ' ');
		set_add(set, '\t');
		return true;
	default:
		return false;
	}
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Parses one atom at src[*i] into set; false with e set. */
static bool parse_atom(const char *src, size_t *i, uint64_t *set, struct err *e)
{
	size_t at = *i;
	char c = src[at];
	memset(set, 0, 4 * sizeof(uint64_t));
	if (c == '.') {
		memset(set, 0xff, 4 * sizeof(uint64_t));
		*i = at + 1;
		return true;
	}
	if (c == '\\') {
		char n = src[at + 1];
		if (n == '\0') {
			err_set(e, ERR_INVALID, "pattern: trailing backslash at offset %zu", at);
			return false;
		}
		if (!class_escape(set, n)) {
			if (is_alnum(n)) {
				err_set(e, ERR_INVALID,
				        "pattern: unknown escape \\%c at offset %zu", n, at);
				return false;
			}
			set_add(set, (unsigned char)n);
		}
		*i = at + 2;
		return true;
	}
	if (c == '[') {
		size_t j = at + 1;
		bool neg = false;
		if (src[j] == '^') {
			neg = true;
			j++;
		}
		bool first = true;
		for (;;) {
			char a = src[j];
			if (a == '\0') {
				err_set(e, ERR_INVALID, "pattern: unterminated class at offset %zu",
				        at);
				return false;
			}
			if (a == ']' && !first)
				break;
			first = false;
			unsigned lo;
			if (a == '\\') {
				char n = src[j + 1];
				if (n == '\0') {
					err_set(e, ERR_INVALID,
					        "pattern: unterminated class at offset %zu", at);
					return false;
				}
				j += 2;
				if (class_escape(set, n))
					continue;
				if (is_alnum(n)) {
					err_set(e, ERR_INVALID,
					        "pattern: unknown escape \\%c at offset %zu", n,
					        j - 2);
					return false;
				}
				lo = (unsigned char)n;
			} else {
				lo = (unsigned char)a;
				j++;
			}
			if (src[j] == '-' && src[j + 1] != ']' && src[j + 1] != '\0') {
				unsigned hi;
				if (src[j + 1] == '\\') {
					char n = src[j + 2];
					if (n == '\0' || is_alnum(n)) {
						err_set(e, ERR_INVALID,
						        "pattern: bad range end at offset %zu",
						        j + 1);
						return false;
					}
					hi = (unsigned char)n;
					j += 3;
				} else {
					hi = (unsigned char)src[j + 1];
					j += 2;
				}
				if (hi < lo) {
					err_set(e, ERR_INVALID,
					        "pattern: reversed range at offset %zu", at);
					return false;
				}
				set_range(set, lo, hi);
			} else {
				set_add(set, lo);
			}
		}
		if (neg)
			for (int k = 0; k < 4; k++)
				set[k] = ~set[k];
		*i = j + 1;
		return true;
	}
	if (c == '(' || c == ')') {
		err_set(e, ERR_INVALID, "pattern: groups are not supported (offset %zu)", at);
		return false;
	}
	if (c == '?' || c == '*' || c == '+' || c == '{') {
		err_set(e, ERR_INVALID, "pattern: quantifier without an atom at offset %zu", at);
		return false;
	}
	set_add(set, (unsigned char)c);
	*i = at + 1;
	return true;
}

static bool parse_count(const char *src, size_t *j, unsigned *out)
{
	unsigned v = 0;
	size_t k = *j;
	if (src[k] < '0' || src[k] > '9')
		return false;
	while (src[k] >= '0' && src[k] <= '9') {
		v = v * 10 + (unsigned)(src[k] - '0');
		if (v > MAX_REPEAT)
			return false;
		k++;
	}
	*j = k;
	*out = v;
	return true;
}

static bool add_step(struct alt *a, const uint64_t *set, uint8_t kind, size_t at, struct err *e)
{
	if (a->nsteps == MAX_STEPS) {
		err_set(e, ERR_INVALID, "pattern: too long (over %d atoms) at offset %zu",
		        MAX_STEPS, at);
		return false;
	}
	memcpy(a->steps[a->nsteps].set, set, sizeof(a->steps[0].set));
	a->steps[a->nsteps].kind = kind;
	a->nsteps++;
	if (kind != STEP_ONE)
		a->plain = false;
	return true;
}

#define WORDS ((MAX_STEPS + 1 + 63) / 64)

static inline bool bit(const uint64_t *b, size_t i)
{
	return (b[i >> 6] >> (i & 63)) & 1;
}

static inline void bit_set(uint64_t *b, size_t i)
{
	b[i >> 6] |= 1ull << (i & 63);
}

static void closure(const struct alt *a, uint64_t *cur)
{
	for (size_t i = 0; i < a->nsteps; i++)
		if (bit(cur, i) && a->steps[i].kind != STEP_ONE)
			bit_set(cur, i + 1);
}

/* One NFA step on byte c from the states in cur. */
static bool step_nfa(const struct alt *a, const uint64_t *cur, unsigned char c, uint64_t *next)
{
	bool any = false;
	memset(next, 0, WORDS * sizeof(uint64_t));
	for (size_t w = 0; w < WORDS; w++) {
		uint64_t m = cur[w];
		while (m) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(m);
			m &= m - 1;
			if (i >= a->nsteps || !set_has(a->steps[i].set, c))
				continue;
			bit_set(next, a->steps[i].kind == STEP_STAR ? i : i + 1);
			any = true;
		}
	}
	if (any)
		closure(a, next);
	return any;
}

static void dfa_free(struct dfa *d)
{
	if (d) {
		free(d->next);
		free(d->accept);
		free(d);
	}
}

/* Subset construction; NULL when the automaton would exceed DFA_MAX_STATES
 * (matching then simulates the NFA). */
static struct dfa *dfa_build(const struct alt *a)
{
	struct dfa *d = calloc(1, sizeof(*d));
	uint64_t(*sets)[WORDS] = calloc(DFA_MAX_STATES, sizeof(*sets));
	if (!d || !sets)
		goto fail;
	d->next = calloc(DFA_MAX_STATES, sizeof(*d->next));
	d->accept = calloc(DFA_MAX_STATES, sizeof(*d->accept));
	if (!d->next || !d->accept)
		goto fail;
	bit_set(sets[0], 0);
	closure(a, sets[0]);
	d->nstates = 1;
	for (size_t s = 0; s < d->nstates; s++) {
		d->accept[s] = bit(sets[s], a->nsteps);
		for (unsigned c = 0; c < 256; c++) {
			uint64_t next[WORDS];
			if (!step_nfa(a, sets[s], (unsigned char)c, next)) {
				d->next[s][c] = -1;
				continue;
			}
			size_t t = 0;
			while (t < d->nstates && memcmp(sets[t], next, sizeof(next)) != 0)
				t++;
			if (t == d->nstates) {
				if (t == DFA_MAX_STATES)
					goto fail;
				memcpy(sets[t], next, sizeof(next));
				d->nstates++;
			}
			d->next[s][c] = (int16_t)t;
		}
	}
	free(sets);
	return d;
fail:
	free(sets);
	dfa_free(d);
	return NULL;
}

struct pattern *pattern_compile(const char *src, struct err *e)
{
	struct pattern *p = calloc(1, sizeof(*p));
	if (!p) {
		err_set(e, ERR_INTERNAL, "out of memory");
		return NULL;
	}
	size_t i = 0;
	for (;;) {
		if (p->nalts == MAX_ALTS) {
			err_set(e, ERR_INVALID, "pattern: too many alternatives (over %d)",
			        MAX_ALTS);
			goto fail;
		}
		struct alt *a = &p->alts[p->nalts++];
		a->steps = calloc(MAX_STEPS, sizeof(struct step));
		a->plain = true;
		if (!a->steps) {
			err_set(e, ERR_INTERNAL, "out of memory");
			goto fail;
		}
		if (src[i] == '^')
			i++;
		while (src[i] != '\0' && src[i] != '|') {
			if (src[i] == '$' && (src[i + 1] == '\0' || src[i + 1] == '|')) {
				i++;
				break;
			}
			size_t at = i;
			uint64_t set[4];
			if (src[i] == '$' || src[i] == '^') {
				err_set(e, ERR_INVALID,
				        "pattern: '%c' only at the start or end (offset %zu; "
				        "\\%c for the character)",
				        src[i], i, src[i]);
				goto fail;
			}
			if (!parse_atom(src, &i, set, e))
				goto fail;
			char q = src[i];
			unsigned lo = 1, hi = 1;
			bool star = false;
			if (q == '?') {
				lo = 0;
				i++;
			} else if (q == '*') {
				lo = 0;
				star = true;
				i++;
			} else if (q == '+') {
				star = true;
				i++;
			} else if (q == '{') {
				size_t j = i + 1;
				if (!parse_count(src, &j, &lo)) {
					err_set(e, ERR_INVALID,
					        "pattern: bad repeat count at offset %zu", i);
					goto fail;
				}
				hi = lo;
				if (src[j] == ',') {
					j++;
					if (src[j] == '}') {
						star = true;
					} else if (!parse_count(src, &j, &hi) || hi < lo) {
						err_set(e, ERR_INVALID,
						        "pattern: bad repeat count at offset %zu",
						        i);
						goto fail;
					}
				}
				if (src[j] != '}') {
					err_set(e, ERR_INVALID,
					        "pattern: unterminated repeat at offset %zu", i);
					goto fail;
				}
				i = j + 1;
			}
			if (src[i] == '?' || src[i] == '*' || src[i] == '+' || src[i] == '{') {
				err_set(e, ERR_INVALID, "pattern: double quantifier at offset %zu",
				        i);
				goto fail;
			}
			for (unsigned k = 0; k < lo; k++)
				if (!add_step(a, set, STEP_ONE, at, e))
					goto fail;
			if (star) {
				if (!add_step(a, set, STEP_STAR, at, e))
					goto fail;
			} else {
				for (unsigned k = lo; k < hi; k++)
					if (!add_step(a, set, STEP_OPT, at, e))
						goto fail;
			}
		}
		if (src[i] == '$' && src[i + 1] == '\0')
			i++;
		if (src[i] == '\0')
			break;
		if (src[i] != '|') {
			err_set(e, ERR_INVALID, "pattern: unexpected '$' at offset %zu", i);
			goto fail;
		}
		i++; /* '|' */
	}
	for (size_t k = 0; k < p->nalts; k++)
		if (!p->alts[k].plain)
			p->alts[k].dfa = dfa_build(&p->alts[k]);
	return p;
fail:
	pattern_free(p);
	return NULL;
}

static bool match_alt(const struct alt *a, const unsigned char *s, size_t len)
{
	if (a->plain) {
		if (len != a->nsteps)
			return false;
		for (size_t i = 0; i < len; i++)
			if (!set_has(a->steps[i].set, s[i]))
				return false;
		return true;
	}
	if (a->dfa) {
		int state = 0;
		for (size_t k = 0; k < len; k++) {
			state = a->dfa->next[state][s[k]];
			if (state < 0)
				return false;
		}
		return a->dfa->accept[state];
	}
	uint64_t cur[WORDS] = {0}, next[WORDS];
	bit_set(cur, 0);
	closure(a, cur);
	for (size_t k = 0; k < len; k++) {
		if (!step_nfa(a, cur, s[k], next))
			return false;
		memcpy(cur, next, sizeof(cur));
	}
	return bit(cur, a->nsteps);
}

bool pattern_match(const struct pattern *p, const char *s, size_t len)
{
	for (size_t i = 0; i < p->nalts; i++)
		if (match_alt(&p->alts[i], (const unsigned char *)s, len))
			return true;
	return false;
}

void pattern_free(struct pattern *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nalts; i++) {
		free(p->alts[i].steps);
		dfa_free(p->alts[i].dfa);
	}
	free(p);
}

/* The syntax check of a deliberation file's pattern (see pattern.h); its messages
 * name what is wrong in words a deliberation file's author reads. */
const char *pattern_check(const char *p, size_t *at)
{
	bool atom = false; /* an atom precedes: a quantifier may follow */
	bool any = false;  /* the current alternative is not empty */

	for (size_t i = 0; p[i] != '\0'; i++) {
		char ch = p[i];
		*at = i + 1;
		if (ch == '^' && i == 0)
			continue;
		if (ch == '$' && p[i + 1] == '\0')
			break;
		switch (ch) {
		case '\\':
			if (p[i + 1] == '\0')
				return "ends with a lone '\\'";
			if (isalnum((unsigned char)p[i + 1]) && strchr("dws", p[i + 1]) == NULL)
				return "unknown escape (\\d, \\w, \\s or \\ before punctuation)";
			i++;
			atom = any = true;
			break;
		case '[': {
			size_t j = i + 1, members = 0;
			if (p[j] == '^')
				j++;
			for (; p[j] != '\0' && p[j] != ']'; j++) {
				if (p[j] == '\\') {
					if (p[j + 1] == '\0')
						return "ends with a lone '\\'";
					j++;
				} else if (p[j + 1] == '-' && p[j + 2] != ']' && p[j + 2] != '\0') {
					if (p[j + 2] == '\\')
						return "a range may not end in an escape";
					if (p[j] > p[j + 2]) {
						*at = j + 1;
						return "range out of order";
					}
					j += 2;
				}
				members++;
			}
			if (p[j] != ']')
				return "'[' without a closing ']'";
			if (members == 0)
				return "empty class []";
			i = j;
			atom = any = true;
			break;
		}
		case ']':
			return "']' without an opening '['";
		case '(':
		case ')':
			return "groups ( ) are not supported; use alternatives a|b";
		case '|':
			if (!any)
				return "empty alternative";
			atom = any = false;
			break;
		case '?':
		case '*':
		case '+':
			if (!atom)
				return "quantifier without something to repeat";
			atom = false;
			break;
		case '{': {
			long n, m;
			char *end;
			if (!atom)
				return "quantifier without something to repeat";
			if (!isdigit((unsigned char)p[i + 1]))
				return "'{' must be followed by a count: {n}, {n,} or {n,m}";
			n = strtol(p + i + 1, &end, 10);
			m = n;
			if (*end == ',') {
				end++;
				m = isdigit((unsigned char)*end) ? strtol(end, &end, 10) : -1;
			}
			if (*end != '}')
				return "'{' without a closing '}'";
			if (n > 64 || m > 64)
				return "repeat counts must be at most 64";
			if (m >= 0 && m < n)
				return "in {n,m} n must not exceed m";
			i = (size_t)(end - p);
			atom = false;
			break;
		}
		case '}':
			return "'}' without an opening '{'";
		case '^':
		case '$':
			return "'^' and '$' only at the very start and end (every pattern is "
			       "anchored)";
		default:
			atom = any = true;
			break;
		}
	}
	if (!any)
		return "empty alternative";
	return NULL;
}
