/*
 * gen_extract: writes a synthetic extract that passes a deliberation's terms, for
 * scripts/bench.  It reads the terms in force on the check date with the project's
 * own parser (terms.h), picks the columns (the required ones, one variable of each
 * type and a pattern-only code first, then the others in the terms' order) and
 * draws every cell from what the terms allow: closed lists, patterns (a pool of
 * values found by sampling and proved with pattern.h's matcher), numeric and month
 * ranges, periods, yes/no, pseudonyms and free text.  The text pool is mostly
 * ASCII, with a few values holding delimiters, quotes or a newline (so quoting is
 * exercised) and a few non-ASCII UTF-8 characters.  No value contains anything
 * nn.h would take for a national number.
 *
 * Rows are ordered by person, then by quarter (the last QUARTERS completed quarters
 * before the check date).  Person-level sections (person, education, naric) are
 * stable across a person's rows; labour cells change every quarter.  Sparse
 * sections (no NARIC file, no job that quarter) are left empty, as in real
 * extracts.  Every cell is a pure function of (seed, person, quarter, column), so
 * the output is the same for the same options on every machine.
 *
 *   gen_extract --terms FILE --date YYYY-MM-DD --out PATH [--persons N]
 *               [--quarters Q] [--columns C] [--seed S] [--group G]
 *               [--delimiter ,|;|tab]
 *   gen_extract --version
 *
 * --group naric fills the NARIC section for everyone (the NARIC population);
 * other groups have a NARIC file for about one person in eight.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "nn.h"
#include "pattern.h"
#include "terms.h"

/* Bump when the output for the same options changes (scripts/bench keys its
 * cached files on it). */
#define GEN_VERSION 3

#define POOL_SIZE 160
#define OUT_BUF (1u << 20)

/* ---- deterministic randomness ------------------------------------------ */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* The random word of one cell (quarter UINT32_MAX: person-level). */
static uint64_t cell_rand(uint64_t seed, uint64_t person, uint32_t quarter, uint32_t column,
                          uint32_t salt)
{
	uint64_t h = splitmix(seed ^ 0x5EEDull);
	h = splitmix(h ^ person);
	h = splitmix(h ^ ((uint64_t)quarter << 32 | column));
	return splitmix(h ^ salt);
}

/* A uniform integer in [0, n) from a random word (n small: the bias is nil). */
static uint64_t below(uint64_t r, uint64_t n)
{
	return n ? (r >> 11) % n : 0;
}

/* ---- the free-text pool ------------------------------------------------ */

/* Common ASCII values, some with the delimiter inside (they get quoted). */
static const char *const text_common[] = {
    "Bachelor of Science in Nursing",
    "Master of Business Administration",
    "Bachelor in Applied Informatics",
    "Master of Science in Civil Engineering",
    "Secondary school diploma, general track",
    "Diploma of Higher Technical Education",
    "Bachelor of Arts in English Language and Literature",
    "Master of Laws",
    "Doctor of Medicine",
    "Professional Bachelor in Electromechanics",
    "Master in Economics, Finance and Accounting",
    "Bachelor of Education (Primary)",
    "Associate Degree in Accounting",
    "Master of Science in Chemistry",
    "Bachelor of Pharmacy",
    "Vocational certificate in Welding",
    "Master of Architecture",
    "Bachelor of Science in Mathematics; minor in Physics",
    "Higher National Diploma in Business",
    "Master in Social Work",
    "Bachelor of Dental Surgery",
    "Technician diploma in Electronics",
    "Master of Arts in History, Archaeology",
    "Bachelor of Veterinary Science",
};

/* Rarer values: non-ASCII letters, embedded quotes, an embedded newline. */
static const char *const text_rare[] = {
    "Dipl\xc3\xb4me d'ing\xc3\xa9nieur civil",
    "Licenciatura en Econom\xc3\xad"
    "a",
    "Magister in\xc5\xbcynier budownictwa",
    "Diplom-Kauffrau (FH) \xe2\x80\x93 Betriebswirtschaft",
    "\xd0\x91\xd0\xb0\xd0\xba\xd0\xb0\xd0\xbb\xd0\xb0\xd0\xb2\xd1\x80 "
    "\xd0\xb5\xd0\xba\xd0\xbe\xd0\xbd\xd0\xbe\xd0\xbc\xd1\x96\xd0\xba\xd0\xb8",
    "Ingeniero T\xc3\xa9\x63nico en Telecomunicaci\xc3\xb3n",
    "Diploma \"Technicus\" in de elektronica",
};
static const char *const text_newline = "Master of Science\nspecialisation Data Science";

/* ---- columns ----------------------------------------------------------- */

enum section { SEC_PERSON, SEC_LABOUR, SEC_EDUCATION, SEC_NARIC, SEC_OTHER };

struct column {
	const struct terms_variable *var;
	enum section section;
	uint32_t permille; /* filled in this many rows per thousand of its section */
	char **pool;       /* pattern-only codes: values proved to match */
	size_t npool;
};

struct gen {
	const struct terms_body *body;
	struct column *cols;
	size_t ncols;
	uint64_t seed;
	int32_t check_month; /* YYYYMM */
	int first_quarter;   /* year * 4 + (q - 1) */
	char delim;
	bool naric_group;
	FILE *out;
	char *buf;
	size_t len;
	uint64_t bytes;
};

static enum section section_of(const char *s)
{
	if (strcmp(s, "person") == 0)
		return SEC_PERSON;
	if (strcmp(s, "labour") == 0)
		return SEC_LABOUR;
	if (strcmp(s, "education") == 0)
		return SEC_EDUCATION;
	if (strcmp(s, "naric") == 0)
		return SEC_NARIC;
	return SEC_OTHER;
}

/* Within a filled section, how often a variable has a value: some only concern a
 * few people (the self-employed, the unemployed, non-Belgian parents). */
static uint32_t var_permille(const struct terms_variable *v)
{
	static const struct {
		const char *prefix;
		uint32_t permille;
	} rare[] = {
	    {"self_employed_", 150},     {"unemployment_", 200}, {"social_assistance_", 200},
	    {"invalidity_", 200},        {"parents_", 600},      {"residence_reason_", 600},
	    {"first_registration", 700}, {"cumulative_", 500},   {"fte_days_excl", 700},
	};
	for (size_t i = 0; i < sizeof(rare) / sizeof(*rare); i++)
		if (strncmp(v->code, rare[i].prefix, strlen(rare[i].prefix)) == 0)
			return rare[i].permille;
	return 970;
}

/* A pattern-only code: no closed list to draw from. */
static bool pattern_only(const struct terms_variable *v)
{
	return v->type == TERMS_CODE && v->nvalues == 0 && v->pattern != NULL;
}

/* Chooses ncols variables: the required ones, the first of each type and of
 * pattern-only codes, then the rest in the terms' order; kept in terms order. */
static bool choose_columns(struct gen *g, size_t ncols)
{
	const struct terms_body *b = g->body;
	bool *take = calloc(b->nvariables, sizeof(*take));
	if (!take)
		return false;
	size_t n = 0;
	bool type_seen[TERMS_TYPE_COUNT] = {false};
	bool pattern_seen = false;
	for (size_t i = 0; i < b->nvariables; i++) {
		const struct terms_variable *v = &b->variables[i];
		bool want =
		    v->required || !type_seen[v->type] || (!pattern_seen && pattern_only(v));
		type_seen[v->type] = true;
		pattern_seen = pattern_seen || pattern_only(v);
		if (want) {
			take[i] = true;
			n++;
		}
	}
	if (ncols < n) {
		fprintf(stderr,
		        "gen_extract: --columns %zu is too few: %zu are needed to cover every "
		        "type\n",
		        ncols, n);
		free(take);
		return false;
	}
	for (size_t i = 0; i < b->nvariables && n < ncols; i++) {
		if (!take[i]) {
			take[i] = true;
			n++;
		}
	}
	if (n < ncols) {
		fprintf(stderr, "gen_extract: the terms have only %zu variables\n", n);
		free(take);
		return false;
	}
	g->cols = calloc(n, sizeof(*g->cols));
	if (!g->cols) {
		free(take);
		return false;
	}
	for (size_t i = 0; i < b->nvariables; i++) {
		if (take[i]) {
			struct column *c = &g->cols[g->ncols++];
			c->var = &b->variables[i];
			c->section = section_of(b->variables[i].section);
			c->permille = var_permille(c->var);
		}
	}
	free(take);
	return true;
}

/* Fills a pool of distinct values matching the variable's pattern by sampling
 * strings over a few alphabets and keeping those the matcher accepts. */
static bool fill_pool(struct column *c, uint64_t seed)
{
	static const char *const alphabets[] = {
	    "0123456789",
	    "0123456789.",
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	    "0123456789-/_ ",
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_",
	};
	struct err e = {0};
	struct pattern *p = pattern_compile(c->var->pattern, &e);
	if (!p) {
		fprintf(stderr, "gen_extract: %s: %s\n", c->var->code, e.message);
		return false;
	}
	c->pool = calloc(POOL_SIZE, sizeof(*c->pool));
	if (!c->pool) {
		pattern_free(p);
		return false;
	}
	uint64_t r = splitmix(seed ^ 0xB00Lu);
	char s[16];
	for (uint32_t attempt = 0; attempt < 4000000 && c->npool < POOL_SIZE; attempt++) {
		r = splitmix(r);
		const char *alpha = alphabets[(attempt / 1000) % 5];
		size_t na = strlen(alpha);
		size_t len = 1 + below(r, 10);
		uint64_t x = r;
		for (size_t i = 0; i < len; i++) {
			if (i % 8 == 7)
				x = splitmix(x);
			s[i] = alpha[(x >> (8 * (i % 8))) % na];
		}
		s[len] = '\0';
		if (s[0] == ' ' || s[len - 1] == ' ' || !pattern_match(p, s, len) ||
		    nn_find(s, len))
			continue;
		bool dup = false;
		for (size_t i = 0; i < c->npool && !dup; i++)
			dup = strcmp(c->pool[i], s) == 0;
		if (dup)
			continue;
		c->pool[c->npool] = strdup(s);
		if (!c->pool[c->npool]) {
			pattern_free(p);
			return false;
		}
		c->npool++;
	}
	pattern_free(p);
	if (c->npool == 0) {
		fprintf(stderr, "gen_extract: %s: found no value matching its pattern\n",
		        c->var->code);
		return false;
	}
	return true;
}

/* ---- output ------------------------------------------------------------ */

static bool flush_out(struct gen *g)
{
	if (g->len && fwrite(g->buf, 1, g->len, g->out) != g->len) {
		fprintf(stderr, "gen_extract: write: %s\n", strerror(errno));
		return false;
	}
	g->bytes += g->len;
	g->len = 0;
	return true;
}

static void put_bytes(struct gen *g, const char *s, size_t n)
{
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

/* Writes a field, quoted (RFC 4180) when it holds the delimiter, a quote or a
 * line break. */
static void put_field(struct gen *g, const char *s, size_t n)
{
	bool quote = false;
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == g->delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
	if (!quote) {
		put_bytes(g, s, n);
		return;
	}
	g->buf[g->len++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			g->buf[g->len++] = '"';
		g->buf[g->len++] = s[i];
	}
	g->buf[g->len++] = '"';
}

/* ---- cell values ------------------------------------------------------- */

/* How often a section is filled: per person for stable sections, per person and
 * quarter for labour (a quarter with or without a job).  Tuned so that the
 * default 60 columns give about 226 bytes a row (60,000 persons x 28 quarters:
 * about 380 MB). */
static uint32_t fill_permille(const struct gen *g, enum section s)
{
	switch (s) {
	case SEC_PERSON:
		return 1000;
	case SEC_LABOUR:
		return 370;
	case SEC_EDUCATION:
		return 330;
	case SEC_NARIC:
		return g->naric_group ? 1000 : 120;
	default:
		return 1000;
	}
}

/* Bounds of a numeric variable, narrowed to a realistic span from its minimum. */
static void num_span(const struct terms_variable *v, double *lo, double *hi)
{
	*lo = v->has_min ? v->min : 0;
	*hi = v->has_max ? v->max : *lo + 100;
	if (*hi - *lo > 100)
		*hi = *lo + 100;
}

/* A month YYYYMM within the variable's bounds and not after the check month. */
static int32_t pick_month(const struct gen *g, const struct terms_variable *v, uint64_t r)
{
	int lo_year = 1965, hi_year = g->check_month / 100 - 1;
	if (v->min_month && v->min_month / 100 > lo_year)
		lo_year = v->min_month / 100;
	if (lo_year > hi_year)
		return g->check_month;
	int year = lo_year + (int)below(r, (uint64_t)(hi_year - lo_year + 1));
	int month = 1 + (int)below(splitmix(r), 12);
	int32_t ym = year * 100 + month;
	if (v->min_month && ym < v->min_month)
		ym = v->min_month;
	return ym;
}

/* Formats the value of one non-empty cell into out (at least 256 bytes); returns
 * its length.  quarter is the row's quarter index (year * 4 + q - 1). */
static size_t cell_value(const struct gen *g, const struct column *c, uint64_t person_id,
                         int quarter, uint64_t r, char *out)
{
	const struct terms_variable *v = c->var;
	switch (v->type) {
	case TERMS_PSEUDONYM:
		if (v->required)
			return (size_t)sprintf(out, "%" PRIu64, person_id);
		return (size_t)sprintf(out, "%" PRIu64, 1 + below(r, 99999999));
	case TERMS_PERIOD:
		if (v->required)
			return (size_t)sprintf(out, "%dQ%d", quarter / 4, quarter % 4 + 1);
		/* other periods: a quarter in range, or a month */
		{
			int32_t ym = pick_month(g, v, r);
			if (r & 1)
				return (size_t)sprintf(out, "%04d-%02d", ym / 100, ym % 100);
			return (size_t)sprintf(out, "%04dQ%d", ym / 100, (ym % 100 - 1) / 3 + 1);
		}
	case TERMS_YEAR_MONTH: {
		int32_t ym = pick_month(g, v, r);
		return (size_t)sprintf(out, "%04d-%02d", ym / 100, ym % 100);
	}
	case TERMS_YEAR: {
		int32_t year = pick_month(g, v, r) / 100;
		if (v->has_min && year < v->min)
			year = (int32_t)v->min;
		if (v->has_max && year > v->max)
			year = (int32_t)v->max;
		return (size_t)sprintf(out, "%04d", year);
	}
	case TERMS_INT: {
		double lo, hi;
		num_span(v, &lo, &hi);
		int64_t a = (int64_t)lo, b = (int64_t)hi;
		if ((double)a < lo)
			a++;
		if ((double)b > hi)
			b--;
		/* small values are the common case (counts, days) */
		uint64_t span = (uint64_t)(b - a) + 1;
		int64_t x = a + (int64_t)below(r, (r & 3) ? (span < 8 ? span : 8) : span);
		return (size_t)sprintf(out, "%" PRId64, x);
	}
	case TERMS_DECIMAL: {
		double lo, hi;
		num_span(v, &lo, &hi);
		/* hundredths in [lo, hi], printed with 0, 1 or 2 decimals */
		int64_t a = (int64_t)(lo * 100 + 0.999999), b = (int64_t)(hi * 100);
		int64_t x = a + (int64_t)below(r, (uint64_t)(b - a) + 1);
		switch ((r >> 3) % 3) {
		case 0:
			x -= x % 100;
			if (x < a)
				x += 100;
			return (size_t)sprintf(out, "%" PRId64, x / 100);
		case 1:
			x -= x % 10;
			if (x < a)
				x += 10;
			return (size_t)sprintf(out, "%" PRId64 ".%" PRId64, x / 100,
			                       (x % 100) / 10);
		default:
			return (size_t)sprintf(out, "%" PRId64 ".%02" PRId64, x / 100, x % 100);
		}
	}
	case TERMS_YES_NO:
		out[0] = (r & 8) ? 'Y' : 'N';
		return 1;
	case TERMS_CLASS:
	case TERMS_AMOUNT_CLASS:
	case TERMS_CODE: {
		const char *s;
		if (v->nvalues)
			s = v->values[below(r, v->nvalues)];
		else if (c->npool)
			s = c->pool[below(r, c->npool)];
		else
			s = "";
		size_t n = strlen(s);
		memcpy(out, s, n);
		return n;
	}
	case TERMS_TEXT: {
		uint64_t k = below(r, 100000);
		const char *s;
		if (k < 97000)
			s = text_common[below(splitmix(r),
			                      sizeof(text_common) / sizeof(*text_common))];
		else if (k < 99990)
			s = text_rare[below(splitmix(r), sizeof(text_rare) / sizeof(*text_rare))];
		else
			s = text_newline;
		size_t n = strlen(s);
		size_t max = v->max_length ? v->max_length : 255; /* all pool values are short */
		if (n > max)
			n = max;
		memcpy(out, s, n);
		return n;
	}
	default:
		return 0;
	}
}

/* A pseudonym per person: a bijection of the index onto 1..2^30, so distinct,
 * at most 10 digits, and in no particular order. */
static uint64_t person_pseudonym(uint64_t seed, uint64_t index)
{
	uint64_t mult = (splitmix(seed) | 1) & ((1u << 30) - 1);
	return ((index * mult + (seed & 0xFFFF)) & ((1u << 30) - 1)) + 1;
}

static bool write_rows(struct gen *g, uint64_t persons, int quarters)
{
	char val[512];
	for (size_t i = 0; i < g->ncols; i++) {
		if (i)
			g->buf[g->len++] = g->delim;
		put_field(g, g->cols[i].var->code, strlen(g->cols[i].var->code));
	}
	g->buf[g->len++] = '\n';
	for (uint64_t p = 0; p < persons; p++) {
		uint64_t pid = person_pseudonym(g->seed, p);
		bool sec_on[SEC_OTHER + 1];
		for (int s = 0; s <= SEC_OTHER; s++)
			sec_on[s] = below(cell_rand(g->seed, p, UINT32_MAX, 1000u + (uint32_t)s, 0),
			                  1000) < fill_permille(g, (enum section)s);
		for (int q = 0; q < quarters; q++) {
			int quarter = g->first_quarter + q;
			bool job = below(cell_rand(g->seed, p, (uint32_t)q, 2000, 0), 1000) <
			           fill_permille(g, SEC_LABOUR);
			for (size_t i = 0; i < g->ncols; i++) {
				const struct column *c = &g->cols[i];
				if (i)
					g->buf[g->len++] = g->delim;
				bool stable = c->section != SEC_LABOUR && !c->var->required;
				bool on = c->var->required ||
				          (c->section == SEC_LABOUR ? job : sec_on[c->section]);
				if (!on)
					continue;
				uint64_t r = cell_rand(
				    g->seed, p, stable ? UINT32_MAX : (uint32_t)q, (uint32_t)i, 1);
				/* optional cells may be missing even within a filled section */
				if (!c->var->required &&
				    below(splitmix(r ^ 0xABCDEFull), 1000) >= c->permille)
					continue;
				size_t n = cell_value(g, c, pid, quarter, r, val);
				put_field(g, val, n);
			}
			g->buf[g->len++] = '\n';
			/* the longest row is well under 64 KiB */
			if (g->len > OUT_BUF - 65536 && !flush_out(g))
				return false;
		}
	}
	return flush_out(g);
}

static void usage(FILE *f)
{
	fputs("usage: gen_extract --terms FILE --date YYYY-MM-DD --out PATH [--persons N]\n"
	      "                   [--quarters Q] [--columns C] [--seed S] [--group G]\n"
	      "                   [--delimiter ,|;|tab]\n"
	      "       gen_extract --version\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"terms", required_argument, NULL, 't'},    {"date", required_argument, NULL, 'd'},
	    {"out", required_argument, NULL, 'o'},      {"persons", required_argument, NULL, 'p'},
	    {"quarters", required_argument, NULL, 'q'}, {"columns", required_argument, NULL, 'c'},
	    {"seed", required_argument, NULL, 's'},     {"delimiter", required_argument, NULL, 'D'},
	    {"group", required_argument, NULL, 'g'},    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	const char *terms_path = NULL, *date = NULL, *out_path = NULL, *group = "foreign_born";
	unsigned long long persons = 60000, quarters = 28, ncols = 60, seed = 20260115;
	char delim = ',';
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (o) {
		case 't':
			terms_path = optarg;
			break;
		case 'd':
			date = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'p':
		case 'q':
		case 'c':
		case 's': {
			errno = 0;
			unsigned long long x = strtoull(optarg, &end, 10);
			if (errno || *end || optarg[0] == '-' || optarg[0] == '\0') {
				fprintf(stderr, "gen_extract: bad number for --%s\n",
				        opts[o == 'p'   ? 3
				             : o == 'q' ? 4
				             : o == 'c' ? 5
				                        : 6]
				            .name);
				return 2;
			}
			if (o == 'p')
				persons = x;
			else if (o == 'q')
				quarters = x;
			else if (o == 'c')
				ncols = x;
			else
				seed = x;
			break;
		}
		case 'D':
			if (strcmp(optarg, "tab") == 0)
				delim = '\t';
			else if (strcmp(optarg, ",") == 0 || strcmp(optarg, ";") == 0)
				delim = optarg[0];
			else {
				fputs("gen_extract: --delimiter is , ; or tab\n", stderr);
				return 2;
			}
			break;
		case 'V':
			printf("gen_extract %d\n", GEN_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	int32_t check_date;
	if (!terms_path || !date || !out_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!terms_date_parse(date, &check_date)) {
		fputs("gen_extract: --date must be YYYY-MM-DD\n", stderr);
		return 2;
	}
	if (persons < 1 || persons > (1u << 30) || quarters < 1 || quarters > 400 || ncols < 2 ||
	    ncols > 10000) {
		fputs("gen_extract: --persons 1..2^30, --quarters 1..400, --columns 2..10000\n",
		      stderr);
		return 2;
	}

	struct err e = {0};
	struct terms_deliberation *d = terms_load_file(terms_path, &e);
	if (!d) {
		fprintf(stderr, "gen_extract: %s\n", e.message);
		return 2;
	}
	const struct terms_version *ver = terms_version_at(d, check_date);
	if (!ver || !ver->on_record) {
		fprintf(stderr, "gen_extract: no terms on record in force on %s\n", date);
		terms_free(d);
		return 2;
	}

	struct gen g = {0};
	g.body = &ver->body;
	g.seed = seed;
	g.delim = delim;
	g.naric_group = strcmp(group, "naric") == 0;
	g.check_month = check_date / 100;
	/* the last quarter completed before the check date's quarter, and back */
	int cur = (g.check_month / 100) * 4 + (g.check_month % 100 - 1) / 3;
	g.first_quarter = cur - (int)quarters;
	int rc = 2;
	if (!choose_columns(&g, (size_t)ncols))
		goto done;
	for (size_t i = 0; i < g.ncols; i++)
		if (pattern_only(g.cols[i].var) && !fill_pool(&g.cols[i], seed + i))
			goto done;
	g.buf = malloc(OUT_BUF);
	g.out = fopen(out_path, "wb");
	if (!g.buf || !g.out) {
		fprintf(stderr, "gen_extract: %s: %s\n", out_path, strerror(errno));
		goto done;
	}
	if (!write_rows(&g, persons, (int)quarters))
		goto done;
	if (fclose(g.out) != 0) {
		g.out = NULL;
		fprintf(stderr, "gen_extract: %s: %s\n", out_path, strerror(errno));
		goto done;
	}
	g.out = NULL;
	fprintf(stderr, "gen_extract: %s: %llu rows, %zu columns, %" PRIu64 " bytes\n", out_path,
	        persons * quarters, g.ncols, g.bytes);
	rc = 0;
done:
	if (g.out)
		fclose(g.out);
	free(g.buf);
	for (size_t i = 0; i < g.ncols; i++) {
		for (size_t j = 0; j < g.cols[i].npool; j++)
			free(g.cols[i].pool[j]);
		free(g.cols[i].pool);
	}
	free(g.cols);
	terms_free(d);
	return rc;
}
