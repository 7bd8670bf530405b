/*
 * output: the streaming table builder and the names of rules and statistics
 * (model in output.h; judging in output_judge.c, suppression in
 * output_suppress.c).  Rows are parsed with support/csv one record at a time; a
 * row costs one cell lookup (a hash of its category codes) and one (cell, person)
 * lookup, both skipped when the row repeats the previous row's cell and person,
 * the common case of microdata sorted by person.
 */
#include "output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "mem.h"

static const char *const rule_names[OUT_RULE_COUNT] = {
    [OUT_THRESHOLD] = "threshold",
    [OUT_DOMINANCE] = "dominance",
    [OUT_P_PERCENT] = "p_percent",
    [OUT_DISCLOSIVE_STATISTIC] = "disclosive_statistic",
    [OUT_IDENTIFIER_COLUMN] = "identifier_column",
    [OUT_NATIONAL_NUMBER] = "national_number",
    [OUT_ENTERPRISE_NUMBER] = "enterprise_number",
    [OUT_IBAN] = "iban",
    [OUT_EMAIL_ADDRESS] = "email_address",
    [OUT_PHONE_NUMBER] = "phone_number",
    [OUT_FULL_DATE] = "full_date",
    [OUT_NEGATIVE_CONTRIBUTION] = "negative_contribution",
};

static const char *const stat_names[OUTPUT_STAT_COUNT] = {
    "count", "sum", "mean", "median", "min", "max", "sd",
};

const char *output_rule_name(enum output_rule r)
{
	return (unsigned)r < OUT_RULE_COUNT ? rule_names[r] : "unknown";
}

bool output_rule_parse(const char *s, enum output_rule *out)
{
	for (int i = 0; s != NULL && i < OUT_RULE_COUNT; i++)
		if (strcmp(s, rule_names[i]) == 0) {
			*out = (enum output_rule)i;
			return true;
		}
	return false;
}

const char *output_stat_name(enum output_stat s)
{
	return (unsigned)s < OUTPUT_STAT_COUNT ? stat_names[s] : "unknown";
}

bool output_stat_parse(const char *s, enum output_stat *out)
{
	for (int i = 0; s != NULL && i < OUTPUT_STAT_COUNT; i++)
		if (strcmp(s, stat_names[i]) == 0) {
			*out = (enum output_stat)i;
			return true;
		}
	return false;
}

void output_params_default(struct output_params *p)
{
	p->threshold = 10;
	p->dominance_n = 2;
	p->dominance_k = 0.9;
	p->p_percent = 10;
	p->identifier_ratio = 0.8;
}

void output_params_from_terms(struct output_params *p, const struct terms_body *b)
{
	output_params_default(p);
	if (b == NULL || !b->output_checking.set)
		return;
	p->threshold = b->output_checking.threshold;
	p->dominance_n = b->output_checking.dominance_n;
	p->dominance_k = b->output_checking.dominance_k;
	p->p_percent = b->output_checking.p_percent;
	p->identifier_ratio = b->output_checking.identifier_ratio;
}

/* ---- the spec ------------------------------------------------------------- */

/* A column name as in a deliberation file: [a-z][a-z0-9_]{0,62}. */
static bool column_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static bool add_by(struct output_spec *s, const char *name, size_t n, struct err *e)
{
	if (!column_name_ok(name, n)) {
		err_set(e, ERR_INVALID, "by: variable %zu is not a column name ([a-z][a-z0-9_]*)",
		        s->nby + 1);
		snprintf(e->field, sizeof(e->field), "by");
		return false;
	}
	if (s->nby == OUTPUT_MAX_BY) {
		err_set(e, ERR_INVALID, "by: at most %d grouping variables", OUTPUT_MAX_BY);
		snprintf(e->field, sizeof(e->field), "by");
		return false;
	}
	for (size_t i = 0; i < s->nby; i++)
		if (strlen(s->by[i]) == n && memcmp(s->by[i], name, n) == 0) {
			err_set(e, ERR_INVALID, "by: variable %zu is repeated", s->nby + 1);
			snprintf(e->field, sizeof(e->field), "by");
			return false;
		}
	memcpy(s->by[s->nby], name, n);
	s->by[s->nby][n] = '\0';
	s->nby++;
	return true;
}

bool output_spec_set_by(struct output_spec *s, const char *list, struct err *e)
{
	s->nby = 0;
	const char *p = list != NULL ? list : "";
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c != NULL ? (size_t)(c - p) : strlen(p);
		if (!add_by(s, p, n, e))
			return false;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return true;
}

bool output_spec_check(const struct output_spec *s, struct err *e)
{
	if (s->nby == 0) {
		err_set(e, ERR_INVALID, "by: at least one grouping variable is needed");
		snprintf(e->field, sizeof(e->field), "by");
		return false;
	}
	if ((unsigned)s->stat >= OUTPUT_STAT_COUNT) {
		err_set(e, ERR_INVALID, "stat: one of count, sum, mean, median, min, max, sd");
		snprintf(e->field, sizeof(e->field), "stat");
		return false;
	}
	if (s->stat != OUTPUT_COUNT && s->value[0] == '\0') {
		err_set(e, ERR_INVALID, "value: stat %s needs a value variable",
		        output_stat_name(s->stat));
		snprintf(e->field, sizeof(e->field), "value");
		return false;
	}
	if (s->value[0] != '\0' && !column_name_ok(s->value, strlen(s->value))) {
		err_set(e, ERR_INVALID, "value: not a column name ([a-z][a-z0-9_]*)");
		snprintf(e->field, sizeof(e->field), "value");
		return false;
	}
	return true;
}

static bool spec_fail(struct err *e, const char *field, const char *msg)
{
	err_set(e, ERR_INVALID, "%s: %s", field, msg);
	snprintf(e->field, sizeof(e->field), "%s", field);
	return false;
}

bool output_spec_from_json(const json_t *j, struct output_spec *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_object(j))
		return spec_fail(e, "table", "expected an object");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)j, key, v)
	{
		if (strcmp(key, "by") != 0 && strcmp(key, "value") != 0 && strcmp(key, "stat") != 0)
			return spec_fail(e, "table", "unknown member (by, value, stat)");
	}
	const json_t *by = json_object_get(j, "by");
	if (json_is_string(by)) {
		if (!output_spec_set_by(s, json_string_value(by), e))
			return false;
	} else if (json_is_array(by)) {
		size_t i;
		json_t *x;
		json_array_foreach(by, i, x)
		{
			if (!json_is_string(x))
				return spec_fail(e, "by", "expected strings");
			if (!add_by(s, json_string_value(x), json_string_length(x), e))
				return false;
		}
	} else {
		return spec_fail(e, "by", "required: a list of variables");
	}
	const json_t *stat = json_object_get(j, "stat");
	if (stat != NULL &&
	    !(json_is_string(stat) && output_stat_parse(json_string_value(stat), &s->stat)))
		return spec_fail(e, "stat", "one of count, sum, mean, median, min, max, sd");
	const json_t *value = json_object_get(j, "value");
	if (value != NULL && !json_is_null(value)) {
		if (!json_is_string(value) || json_string_length(value) >= sizeof(s->value))
			return spec_fail(e, "value", "expected a column name");
		snprintf(s->value, sizeof(s->value), "%s", json_string_value(value));
		if (strlen(s->value) != json_string_length(value))
			return spec_fail(e, "value", "expected a column name");
	}
	return output_spec_check(s, e);
}

json_t *output_spec_to_json(const struct output_spec *s)
{
	json_t *by = json_array();
	for (size_t i = 0; by != NULL && i < s->nby; i++)
		json_array_append_new(by, json_string(s->by[i]));
	return json_pack("{s:o,s:s,s:s?}", "by", by, "stat", output_stat_name(s->stat), "value",
	                 s->value[0] ? s->value : NULL);
}

/* ---- the builder ------------------------------------------------------------ */

/* A (cell, person) pair and the person's contribution to the cell. */
struct pair {
	uint64_t person; /* UINT64_MAX: empty slot */
	uint32_t cell;
	double sum;
};

struct cellrec {
	char *key; /* the codes joined by 0x1f */
	uint32_t keylen;
	bool negative;
};

struct output_builder {
	struct output_spec spec;
	bool header_done;
	char delim;
	int col_by[OUTPUT_MAX_BY];
	int col_value, col_person;
	uint32_t ncols;
	/* input buffer: bytes not yet parsed into a record */
	char *buf;
	size_t len, cap;
	uint64_t line; /* line of the next record (1-based) */
	uint64_t rows;
	struct csv_record rec;
	/* cells: open addressing on key hash -> index + 1 */
	struct cellrec *cells;
	size_t ncells, cells_cap;
	uint32_t *cslot;
	size_t cmask;
	bool too_many; /* more than OUTPUT_MAX_CELLS cells: stop tabulating */
	/* (cell, person) pairs */
	struct pair *pairs;
	size_t npairs, pmask;
	size_t last_pair; /* slot of the previous row's pair, or SIZE_MAX */
	/* distinct persons of the whole table (for identifier_column) */
	uint64_t *persons;
	size_t npersons, permask;
	uint64_t last_person;
	char *key; /* scratch: the row's joined codes */
	size_t keycap;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 31);
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

struct output_builder *output_builder_new(const struct output_spec *spec, struct err *e)
{
	if (!output_spec_check(spec, e))
		return NULL;
	struct output_builder *b = mem_calloc(1, sizeof(*b));
	b->spec = *spec;
	b->line = 1;
	b->col_value = b->col_person = -1;
	csv_record_init(&b->rec);
	b->cells_cap = 64;
	b->cells = mem_calloc(b->cells_cap, sizeof(*b->cells));
	b->cmask = 127;
	b->cslot = mem_calloc(b->cmask + 1, sizeof(*b->cslot));
	b->pmask = 1023;
	b->pairs = mem_malloc((b->pmask + 1) * sizeof(*b->pairs));
	for (size_t i = 0; i <= b->pmask; i++)
		b->pairs[i].person = UINT64_MAX;
	b->permask = 1023;
	b->persons = mem_malloc((b->permask + 1) * sizeof(*b->persons));
	memset(b->persons, 0xff, (b->permask + 1) * sizeof(*b->persons));
	b->last_pair = SIZE_MAX;
	b->last_person = UINT64_MAX;
	return b;
}

void output_builder_free(struct output_builder *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->ncells; i++)
		free(b->cells[i].key);
	free(b->cells);
	free(b->cslot);
	free(b->pairs);
	free(b->persons);
	free(b->buf);
	free(b->key);
	csv_record_free(&b->rec);
	free(b);
}

size_t output_builder_memory(const struct output_builder *b)
{
	size_t m = sizeof(*b) + b->cap + b->keycap + b->cells_cap * sizeof(*b->cells) +
	           (b->cmask + 1) * sizeof(*b->cslot) + (b->pmask + 1) * sizeof(*b->pairs) +
	           (b->permask + 1) * sizeof(*b->persons);
	for (size_t i = 0; i < b->ncells; i++)
		m += b->cells[i].keylen + 1;
	return m;
}

static bool fail_line(struct err *e, uint64_t line, const char *column, const char *what)
{
	if (column != NULL)
		err_set(e, ERR_INVALID, "line %llu, column %s: %s", (unsigned long long)line,
		        column, what);
	else
		err_set(e, ERR_INVALID, "line %llu: %s", (unsigned long long)line, what);
	return false;
}

static bool field_eq(const struct csv_field *f, const char *s)
{
	size_t n = strlen(s);
	return f->len == n && memcmp(f->ptr, s, n) == 0;
}

static bool take_header(struct output_builder *b, const struct csv_record *r, struct err *e)
{
	uint32_t n = r->nfields < r->fields_cap ? r->nfields : r->fields_cap;
	for (size_t k = 0; k < b->spec.nby; k++)
		b->col_by[k] = -1;
	for (uint32_t i = 0; i < n; i++) {
		const struct csv_field *f = &r->fields[i];
		if (field_eq(f, "person_id"))
			b->col_person = (int)i;
		if (b->spec.value[0] && field_eq(f, b->spec.value))
			b->col_value = (int)i;
		for (size_t k = 0; k < b->spec.nby; k++)
			if (field_eq(f, b->spec.by[k]))
				b->col_by[k] = (int)i;
	}
	if (b->col_person < 0)
		return fail_line(e, 1, NULL, "the header has no person_id column");
	for (size_t k = 0; k < b->spec.nby; k++)
		if (b->col_by[k] < 0) {
			err_set(e, ERR_INVALID, "line 1: the header has no column %s (by)",
			        b->spec.by[k]);
			snprintf(e->field, sizeof(e->field), "by");
			return false;
		}
	if (b->spec.value[0] && b->col_value < 0) {
		err_set(e, ERR_INVALID, "line 1: the header has no column %s (value)",
		        b->spec.value);
		snprintf(e->field, sizeof(e->field), "value");
		return false;
	}
	b->ncols = r->nfields;
	b->header_done = true;
	return true;
}

/* A person id: a pseudonym (1-19 digits) as its number; anything else hashed
 * into the upper half, so that ids that are not digits still count exactly
 * (barring a 64-bit collision). */
static uint64_t person_key(const char *s, uint32_t n)
{
	if (n > 0 && n <= 19) {
		uint64_t v = 0;
		uint32_t i = 0;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			v = v * 10 + (uint64_t)(s[i] - '0');
		if (i == n && v < (1ull << 63))
			return v;
	}
	uint64_t h = hash_bytes(s, n) | (1ull << 63);
	return h == UINT64_MAX ? h - 1 : h;
}

/* A decimal number ('.' or, with ';' as delimiter, ','); false otherwise. */
static bool parse_value(const char *s, uint32_t n, char delim, double *out)
{
	char tmp[64];
	if (n == 0 || n >= sizeof(tmp))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ',' && delim == ';')
			c = '.';
		if (!(isdigit((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == 'e' ||
		      c == 'E'))
			return false;
		tmp[i] = c;
	}
	tmp[n] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static void persons_add(struct output_builder *b, uint64_t id)
{
	if (id == b->last_person)
		return;
	b->last_person = id;
	size_t j = mix(id) & b->permask;
	for (; b->persons[j] != UINT64_MAX; j = (j + 1) & b->permask)
		if (b->persons[j] == id)
			return;
	b->persons[j] = id;
	if (++b->npersons * 10 < (b->permask + 1) * 7)
		return;
	size_t ncap = (b->permask + 1) * 2;
	uint64_t *np = mem_malloc(ncap * sizeof(*np));
	memset(np, 0xff, ncap * sizeof(*np));
	for (size_t i = 0; i <= b->permask; i++) {
		if (b->persons[i] == UINT64_MAX)
			continue;
		size_t k = mix(b->persons[i]) & (ncap - 1);
		while (np[k] != UINT64_MAX)
			k = (k + 1) & (ncap - 1);
		np[k] = b->persons[i];
	}
	free(b->persons);
	b->persons = np;
	b->permask = ncap - 1;
}

/* The index of the cell with this key, created if new; UINT32_MAX when the
 * table already has OUTPUT_MAX_CELLS cells. */
static uint32_t cell_of(struct output_builder *b, const char *key, size_t n)
{
	size_t j = hash_bytes(key, n) & b->cmask;
	for (; b->cslot[j]; j = (j + 1) & b->cmask) {
		const struct cellrec *c = &b->cells[b->cslot[j] - 1];
		if (c->keylen == n && memcmp(c->key, key, n) == 0)
			return b->cslot[j] - 1;
	}
	if (b->ncells >= OUTPUT_MAX_CELLS)
		return UINT32_MAX;
	if (b->ncells == b->cells_cap) {
		b->cells_cap *= 2;
		b->cells = mem_realloc(b->cells, b->cells_cap * sizeof(*b->cells));
	}
	struct cellrec *c = &b->cells[b->ncells];
	c->key = mem_malloc(n + 1);
	memcpy(c->key, key, n);
	c->key[n] = '\0';
	c->keylen = (uint32_t)n;
	c->negative = false;
	b->cslot[j] = (uint32_t)++b->ncells;
	if (b->ncells * 2 > b->cmask + 1) {
		size_t ncap = (b->cmask + 1) * 2;
		uint32_t *ns = mem_calloc(ncap, sizeof(*ns));
		for (size_t i = 0; i < b->ncells; i++) {
			size_t k = hash_bytes(b->cells[i].key, b->cells[i].keylen) & (ncap - 1);
			while (ns[k])
				k = (k + 1) & (ncap - 1);
			ns[k] = (uint32_t)(i + 1);
		}
		free(b->cslot);
		b->cslot = ns;
		b->cmask = ncap - 1;
	}
	return (uint32_t)(b->ncells - 1);
}

static size_t pair_slot(const struct pair *p, size_t mask, uint32_t cell, uint64_t person)
{
	size_t j = mix(person ^ ((uint64_t)cell << 40) ^ cell) & mask;
	while (p[j].person != UINT64_MAX && !(p[j].person == person && p[j].cell == cell))
		j = (j + 1) & mask;
	return j;
}

static void pairs_grow(struct output_builder *b)
{
	size_t ncap = (b->pmask + 1) * 2;
	struct pair *np = mem_malloc(ncap * sizeof(*np));
	for (size_t i = 0; i < ncap; i++)
		np[i].person = UINT64_MAX;
	for (size_t i = 0; i <= b->pmask; i++)
		if (b->pairs[i].person != UINT64_MAX)
			np[pair_slot(np, ncap - 1, b->pairs[i].cell, b->pairs[i].person)] =
			    b->pairs[i];
	free(b->pairs);
	b->pairs = np;
	b->pmask = ncap - 1;
	b->last_pair = SIZE_MAX;
}

static bool take_row(struct output_builder *b, const struct csv_record *r, struct err *e)
{
	b->rows++;
	if (r->blank)
		return true; /* a blank line carries nothing */
	if (r->nfields != b->ncols)
		return fail_line(e, b->line, NULL,
		                 "the row has more or fewer fields than the header");
	const struct csv_field *pf = &r->fields[b->col_person];
	if (pf->len == 0)
		return fail_line(e, b->line, "person_id", "empty");
	double v = 0;
	if (b->col_value >= 0) {
		const struct csv_field *vf = &r->fields[b->col_value];
		if (vf->len == 0)
			return true; /* no value: the row is left out of value statistics */
		if (!parse_value(vf->ptr, vf->len, b->delim, &v))
			return fail_line(e, b->line, b->spec.value, "not a number");
	}
	uint64_t person = person_key(pf->ptr, pf->len);
	persons_add(b, person);
	if (b->too_many)
		return true;
	size_t n = 0;
	for (size_t k = 0; k < b->spec.nby; k++) {
		const struct csv_field *f = &r->fields[b->col_by[k]];
		if (memchr(f->ptr, '\x1f', f->len) != NULL || memchr(f->ptr, '\0', f->len) != NULL)
			return fail_line(e, b->line, b->spec.by[k], "a control character");
		if (n + f->len + 1 > b->keycap) {
			b->keycap = 2 * (n + f->len + 1) + 64;
			b->key = mem_realloc(b->key, b->keycap);
		}
		if (k > 0)
			b->key[n++] = '\x1f';
		memcpy(b->key + n, f->ptr, f->len);
		n += f->len;
	}
	/* the previous row's pair, when this row has the same person and codes */
	size_t j = b->last_pair;
	if (j != SIZE_MAX && b->pairs[j].person == person) {
		const struct cellrec *c = &b->cells[b->pairs[j].cell];
		if (c->keylen != n || memcmp(c->key, b->key, n) != 0)
			j = SIZE_MAX;
	} else {
		j = SIZE_MAX;
	}
	if (j == SIZE_MAX) {
		uint32_t cell = cell_of(b, b->key, n);
		if (cell == UINT32_MAX) {
			b->too_many = true; /* judged as identifier_column */
			return true;
		}
		j = pair_slot(b->pairs, b->pmask, cell, person);
		if (b->pairs[j].person == UINT64_MAX) {
			b->pairs[j].person = person;
			b->pairs[j].cell = cell;
			b->pairs[j].sum = 0;
			if (++b->npairs * 10 >= (b->pmask + 1) * 7) {
				pairs_grow(b);
				j = pair_slot(b->pairs, b->pmask, cell, person);
			}
		}
		b->last_pair = j;
	}
	b->pairs[j].sum += v;
	if (v < 0)
		b->cells[b->pairs[j].cell].negative = true;
	return true;
}

static bool take_record(struct output_builder *b, enum csv_status st, struct err *e)
{
	if (st == CSV_MALFORMED)
		return fail_line(e, b->line + b->rec.bad_line, NULL, "malformed CSV (quoting)");
	if (st == CSV_TOO_LONG)
		return fail_line(e, b->line, NULL, "record longer than 1 MiB");
	bool ok = b->header_done ? take_row(b, &b->rec, e) : take_header(b, &b->rec, e);
	b->line += b->rec.lines;
	return ok;
}

/* Parses every complete record of the buffer; at eof, the rest too. */
static bool drain(struct output_builder *b, bool eof, struct err *e)
{
	size_t off = 0;
	if (b->len == 0)
		return true; /* nothing held (the buffer may not exist yet) */
	if (!b->header_done && b->delim == 0) {
		size_t le = csv_first_line_end(b->buf, b->len);
		if (le == 0 && !eof)
			return true;
		size_t skip = b->len >= 3 && memcmp(b->buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
		b->delim = csv_detect_delimiter(b->buf + skip, (le ? le : b->len) - skip);
		off = skip;
	}
	while (off < b->len) {
		enum csv_status st;
		size_t used = csv_parse(b->delim, b->buf + off, b->len - off, eof, &b->rec, &st);
		if (st == CSV_NEED_MORE)
			break;
		off += used;
		if (!take_record(b, st, e))
			return false;
		if (st == CSV_TOO_LONG)
			return false;
	}
	if (off > 0) { /* nothing buffered yet: buf may still be NULL */
		memmove(b->buf, b->buf + off, b->len - off);
		b->len -= off;
	}
	return true;
}

bool output_builder_feed(struct output_builder *b, const char *p, size_t n, struct err *e)
{
	while (n > 0) {
		size_t room = 1u << 16;
		size_t take = n < room ? n : room;
		if (b->len + take > b->cap) {
			b->cap = b->len + take + (1u << 16);
			b->buf = mem_realloc(b->buf, b->cap);
		}
		memcpy(b->buf + b->len, p, take);
		b->len += take;
		p += take;
		n -= take;
		if (!drain(b, false, e))
			return false;
		if (b->len > CSV_MAX_RECORD + 2)
			return fail_line(e, b->line, NULL, "record longer than 1 MiB");
	}
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Cells are sorted by their joined keys. */
static int cmp_keys(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;
	return strcmp(*x, *y);
}

struct output_table *output_builder_finish(struct output_builder *b, struct err *e)
{
	if (!drain(b, true, e))
		return NULL;
	if (!b->header_done) {
		fail_line(e, 1, NULL, "no header (an empty file)");
		return NULL;
	}
	struct output_table *t = mem_calloc(1, sizeof(*t));
	t->spec = b->spec;
	t->rows = b->rows;
	t->persons = b->npersons;
	t->identifier_by = -1;
	if (b->too_many) {
		t->table_rules |= 1u << OUT_IDENTIFIER_COLUMN;
		t->codes_hidden = true;
		return t; /* no cells: the grouping identifies */
	}
	size_t nc = b->ncells;
	/* sort the keys (0x1f sorts below every printable byte, so this is the
	 * order of the codes one by one) and remember where each cell went */
	const char **keys = mem_calloc(nc, sizeof(*keys));
	for (size_t i = 0; i < nc; i++)
		keys[i] = b->cells[i].key;
	qsort(keys, nc, sizeof(*keys), cmp_keys);
	uint32_t *pos = mem_calloc(nc, sizeof(*pos));
	for (size_t i = 0; i < nc; i++) {
		/* the cell whose key is keys[i]: found through the hash table */
		size_t n = strlen(keys[i]);
		size_t j = hash_bytes(keys[i], n) & b->cmask;
		while (b->cells[b->cslot[j] - 1].key != keys[i])
			j = (j + 1) & b->cmask;
		pos[b->cslot[j] - 1] = (uint32_t)i;
	}
	t->ncells = nc;
	t->cells = mem_calloc(nc, sizeof(*t->cells));
	for (size_t i = 0; i < nc; i++) {
		struct output_cell *c = &t->cells[pos[i]];
		c->codes = mem_calloc(b->spec.nby, sizeof(*c->codes));
		const char *kp = b->cells[i].key;
		for (size_t v = 0; v < b->spec.nby; v++) {
			const char *end = strchr(kp, '\x1f');
			size_t n = end != NULL ? (size_t)(end - kp) : strlen(kp);
			c->codes[v] = mem_malloc(n + 1);
			memcpy(c->codes[v], kp, n);
			c->codes[v][n] = '\0';
			kp += n + (end != NULL);
		}
		c->negative = b->cells[i].negative;
		for (int k = 0; k < OUTPUT_TOP; k++)
			c->top[k] = -INFINITY;
	}
	free(keys);
	/* one pass over the pairs: persons, totals, the two largest, min, max,
	 * and the moments for sd; a second only for medians */
	double *mn = mem_calloc(nc, sizeof(double)), *mx = mem_calloc(nc, sizeof(double)),
	       *sq = mem_calloc(nc, sizeof(double));
	for (size_t i = 0; i <= b->pmask; i++) {
		const struct pair *p = &b->pairs[i];
		if (p->person == UINT64_MAX)
			continue;
		uint32_t ci = pos[p->cell];
		struct output_cell *c = &t->cells[ci];
		double v = p->sum;
		if (c->persons == 0 || v < mn[ci])
			mn[ci] = v;
		if (c->persons == 0 || v > mx[ci])
			mx[ci] = v;
		c->persons++;
		c->total += v;
		sq[ci] += v * v;
		if (v > c->top[OUTPUT_TOP - 1]) {
			int k = OUTPUT_TOP - 1;
			for (; k > 0 && c->top[k - 1] < v; k--)
				c->top[k] = c->top[k - 1];
			c->top[k] = v;
		}
	}
	double **vals = NULL;
	size_t *nv = NULL;
	if (b->spec.stat == OUTPUT_MEDIAN) {
		vals = mem_calloc(nc, sizeof(*vals));
		nv = mem_calloc(nc, sizeof(*nv));
		for (size_t i = 0; i < nc; i++)
			vals[i] = mem_malloc(t->cells[i].persons * sizeof(double));
		for (size_t i = 0; i <= b->pmask; i++)
			if (b->pairs[i].person != UINT64_MAX) {
				uint32_t ci = pos[b->pairs[i].cell];
				vals[ci][nv[ci]++] = b->pairs[i].sum;
			}
	}
	for (size_t i = 0; i < nc; i++) {
		struct output_cell *c = &t->cells[i];
		double n = (double)c->persons;
		for (int k = 0; k < OUTPUT_TOP; k++)
			if (c->top[k] == -INFINITY)
				c->top[k] = 0;
		switch (b->spec.stat) {
		case OUTPUT_COUNT:
			c->value = n;
			break;
		case OUTPUT_SUM:
			c->value = c->total;
			break;
		case OUTPUT_MEAN:
			c->value = c->total / n;
			break;
		case OUTPUT_MEDIAN:
			qsort(vals[i], nv[i], sizeof(double), cmp_double);
			c->value = nv[i] % 2 ? vals[i][nv[i] / 2]
			                     : (vals[i][nv[i] / 2 - 1] + vals[i][nv[i] / 2]) / 2;
			free(vals[i]);
			break;
		case OUTPUT_MIN:
			c->value = mn[i];
			break;
		case OUTPUT_MAX:
			c->value = mx[i];
			break;
		case OUTPUT_SD: {
			double var = n > 1 ? (sq[i] - c->total * c->total / n) / (n - 1) : 0;
			c->value = var > 0 ? sqrt(var) : 0;
			break;
		}
		default:
			break;
		}
	}
	free(vals);
	free(nv);
	free(mn);
	free(mx);
	free(sq);
	free(pos);
	return t;
}

void output_table_free(struct output_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->ncells; i++) {
		for (size_t k = 0; k < t->spec.nby && t->cells[i].codes != NULL; k++)
			free(t->cells[i].codes[k]);
		free(t->cells[i].codes);
	}
	free(t->cells);
	for (size_t i = 0; i < t->nmargins; i++)
		free(t->margins[i].cells);
	free(t->margins);
	free(t);
}
