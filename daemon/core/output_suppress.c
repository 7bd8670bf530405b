/*
 * output_suppress: margins and cell suppression.
 *
 * A published table of counts or sums comes with its margins (output.h).  Each
 * published margin is a linear equation over the cells it adds up; the masked
 * cells are its unknowns, the published cells known.  A masked cell can be
 * recomputed exactly when the unit vector of that cell lies in the row space of
 * those equations: in the reduced row echelon form of the system, a row whose
 * only non-zero entry is that cell's column.  Suppression therefore works in two
 * steps:
 *
 *  1. primary: every cell that breaks a rule is masked;
 *  2. secondary: while some masked cell is recoverable, a margin that determines
 *     it gets a second unknown: its published cell with the fewest persons
 *     (preferring cells whose other margin already holds a masked cell, so that
 *     masks form cycles rather than chains) is masked, or, when the margin has
 *     no published cell left, the margin itself is withheld.
 *
 * Each step masks one more cell or margin, so it ends.  Limits (also in
 * docs/output-checking.md): exactness is guarded, not bounds -- a masked count
 * may still be narrowed to an interval (a masked count is at least 0); beyond
 * OUTPUT_SUPPRESS_MAX_UNKNOWNS masked cells the margins are all withheld
 * instead; statistics other than count and sum publish no margins and so need
 * no secondary suppression; several tables of the same microdata are not
 * protected against each other.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define OUTPUT_SUPPRESS_MAX_UNKNOWNS 2000

static void *zalloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* ---- margins --------------------------------------------------------------- */

static int cmp_rest(const struct output_table *t, size_t a, size_t b)
{
	for (size_t k = 1; k < t->spec.nby; k++) {
		int c = strcmp(t->cells[a].codes[k], t->cells[b].codes[k]);
		if (c != 0)
			return c;
	}
	return (a > b) - (a < b);
}

/* Sorts cell indices by the codes after the first: a merge sort, because
 * qsort's comparison cannot see the table without a global. */
static void sort_rest(const struct output_table *t, size_t *v, size_t *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	sort_rest(t, v, tmp, h);
	sort_rest(t, v + h, tmp, n - h);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		tmp[k++] = cmp_rest(t, v[i], v[j]) <= 0 ? v[i++] : v[j++];
	while (i < h)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

static bool same_rest(const struct output_table *t, size_t a, size_t b)
{
	for (size_t k = 1; k < t->spec.nby; k++)
		if (strcmp(t->cells[a].codes[k], t->cells[b].codes[k]) != 0)
			return false;
	return true;
}

static bool add_margin(struct output_table *t, size_t *cap, enum output_margin_kind kind,
                       const size_t *cells, size_t n)
{
	if (t->nmargins == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct output_margin *m = realloc(t->margins, nc * sizeof(*m));
		if (m == NULL)
			return false;
		t->margins = m;
		*cap = nc;
	}
	struct output_margin *m = &t->margins[t->nmargins];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->cells = zalloc(n, sizeof(size_t));
	if (m->cells == NULL)
		return false;
	memcpy(m->cells, cells, n * sizeof(size_t));
	m->ncells = n;
	m->first = cells[0];
	for (size_t i = 0; i < n; i++)
		m->value += t->cells[cells[i]].value;
	t->nmargins++;
	return true;
}

bool output_margins_build(struct output_table *t)
{
	for (size_t i = 0; i < t->nmargins; i++)
		free(t->margins[i].cells);
	free(t->margins);
	t->margins = NULL;
	t->nmargins = 0;
	if (t->ncells == 0 || (t->spec.stat != OUTPUT_COUNT && t->spec.stat != OUTPUT_SUM))
		return true;
	size_t cap = 0, n = t->ncells;
	size_t *idx = zalloc(n, sizeof(size_t)), *tmp = zalloc(n, sizeof(size_t));
	bool ok = idx != NULL && tmp != NULL;
	for (size_t i = 0; ok && i < n; i++)
		idx[i] = i;
	if (ok && t->spec.nby >= 2) {
		/* rows: cells are sorted by codes, so a row is a run */
		for (size_t s = 0; ok && s < n;) {
			size_t e = s + 1;
			while (e < n && strcmp(t->cells[e].codes[0], t->cells[s].codes[0]) == 0)
				e++;
			ok = add_margin(t, &cap, OUTPUT_MARGIN_ROW, idx + s, e - s);
			s = e;
		}
		/* columns: runs of the cells sorted by the other codes */
		size_t *col = zalloc(n, sizeof(size_t));
		ok = ok && col != NULL;
		if (ok) {
			memcpy(col, idx, n * sizeof(size_t));
			sort_rest(t, col, tmp, n);
			for (size_t s = 0; ok && s < n;) {
				size_t e = s + 1;
				while (e < n && same_rest(t, col[s], col[e]))
					e++;
				ok = add_margin(t, &cap, OUTPUT_MARGIN_COLUMN, col + s, e - s);
				s = e;
			}
		}
		free(col);
	}
	if (ok)
		ok = add_margin(t, &cap, OUTPUT_MARGIN_GRAND, idx, n);
	free(idx);
	free(tmp);
	return ok;
}

/* ---- recoverability ---------------------------------------------------------- */

/* rec[i] for every cell: is it masked and recoverable?  False when out of memory
 * or when there are too many unknowns to solve (*too_many). */
static bool find_recoverable(const struct output_table *t, bool *rec, bool *too_many)
{
	size_t m = 0, neq = 0;
	*too_many = false;
	memset(rec, 0, t->ncells * sizeof(*rec));
	for (size_t i = 0; i < t->ncells; i++)
		m += t->cells[i].suppressed;
	for (size_t i = 0; i < t->nmargins; i++)
		neq += !t->margins[i].suppressed;
	if (m == 0 || neq == 0)
		return true;
	if (m > OUTPUT_SUPPRESS_MAX_UNKNOWNS) {
		*too_many = true;
		return true;
	}
	size_t *col = zalloc(t->ncells, sizeof(size_t)), *cell = zalloc(m, sizeof(size_t));
	double *a = zalloc(neq * m, sizeof(double));
	if (col == NULL || cell == NULL || a == NULL) {
		free(col);
		free(cell);
		free(a);
		return false;
	}
	for (size_t i = 0, j = 0; i < t->ncells; i++)
		if (t->cells[i].suppressed) {
			col[i] = j;
			cell[j++] = i;
		}
	for (size_t r = 0, i = 0; i < t->nmargins; i++) {
		const struct output_margin *mg = &t->margins[i];
		if (mg->suppressed)
			continue;
		for (size_t k = 0; k < mg->ncells; k++)
			if (t->cells[mg->cells[k]].suppressed)
				a[r * m + col[mg->cells[k]]] = 1;
		r++;
	}
	/* reduced row echelon form */
	size_t row = 0;
	for (size_t c = 0; c < m && row < neq; c++) {
		size_t p = row;
		for (size_t r = row + 1; r < neq; r++)
			if (fabs(a[r * m + c]) > fabs(a[p * m + c]))
				p = r;
		if (fabs(a[p * m + c]) < 1e-9)
			continue;
		if (p != row)
			for (size_t k = 0; k < m; k++) {
				double x = a[p * m + k];
				a[p * m + k] = a[row * m + k];
				a[row * m + k] = x;
			}
		double d = a[row * m + c];
		for (size_t k = 0; k < m; k++)
			a[row * m + k] /= d;
		for (size_t r = 0; r < neq; r++) {
			double f = a[r * m + c];
			if (r == row || fabs(f) < 1e-12)
				continue;
			for (size_t k = 0; k < m; k++)
				a[r * m + k] -= f * a[row * m + k];
		}
		row++;
	}
	for (size_t r = 0; r < row; r++) {
		size_t nz = 0, at = 0;
		for (size_t k = 0; k < m; k++)
			if (fabs(a[r * m + k]) > 1e-9) {
				nz++;
				at = k;
			}
		if (nz == 1)
			rec[cell[at]] = true;
	}
	free(col);
	free(cell);
	free(a);
	return true;
}

bool output_recoverable(const struct output_table *t, size_t i)
{
	if (i >= t->ncells || !t->cells[i].suppressed)
		return false;
	bool *rec = zalloc(t->ncells, sizeof(bool)), too_many;
	if (rec == NULL)
		return true; /* cannot tell: assume the worst */
	bool ok = find_recoverable(t, rec, &too_many);
	bool r = !ok || too_many || rec[i];
	free(rec);
	return r;
}

/* ---- suppression --------------------------------------------------------------- */

static bool in_margin(const struct output_margin *m, size_t cell)
{
	for (size_t k = 0; k < m->ncells; k++)
		if (m->cells[k] == cell)
			return true;
	return false;
}

/* Does another published margin than `skip` holding cell c have a masked cell? */
static bool crosses_mask(const struct output_table *t, size_t c, size_t skip)
{
	for (size_t i = 0; i < t->nmargins; i++) {
		const struct output_margin *m = &t->margins[i];
		if (i == skip || m->suppressed || m->kind == OUTPUT_MARGIN_GRAND ||
		    !in_margin(m, c))
			continue;
		for (size_t k = 0; k < m->ncells; k++)
			if (m->cells[k] != c && t->cells[m->cells[k]].suppressed)
				return true;
	}
	return false;
}

/* Masks one more cell (or withholds one margin) to protect recoverable cell c. */
static void protect(struct output_table *t, size_t c)
{
	/* the published margin holding c with the fewest masked cells */
	size_t best = SIZE_MAX, best_masked = SIZE_MAX;
	for (size_t i = 0; i < t->nmargins; i++) {
		const struct output_margin *m = &t->margins[i];
		if (m->suppressed || !in_margin(m, c))
			continue;
		size_t masked = 0;
		for (size_t k = 0; k < m->ncells; k++)
			masked += t->cells[m->cells[k]].suppressed;
		if (masked < best_masked) {
			best = i;
			best_masked = masked;
		}
	}
	if (best == SIZE_MAX)
		return; /* not in a published margin: cannot be recoverable */
	struct output_margin *m = &t->margins[best];
	size_t pick = SIZE_MAX;
	bool pick_cross = false;
	for (size_t k = 0; k < m->ncells; k++) {
		size_t x = m->cells[k];
		const struct output_cell *cx = &t->cells[x];
		if (cx->suppressed)
			continue;
		bool cross = crosses_mask(t, x, best);
		if (pick == SIZE_MAX || (cross && !pick_cross) ||
		    (cross == pick_cross && (cx->persons < t->cells[pick].persons ||
		                             (cx->persons == t->cells[pick].persons &&
		                              fabs(cx->value) < fabs(t->cells[pick].value))))) {
			pick = x;
			pick_cross = cross;
		}
	}
	if (pick == SIZE_MAX) {
		m->suppressed = true;
		return;
	}
	t->cells[pick].suppressed = true;
	t->cells[pick].secondary = true;
}

bool output_suppress(struct output_table *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		if (t->cells[i].rules != 0)
			t->cells[i].suppressed = true;
	if (!output_margins_build(t))
		return false;
	if (t->nmargins == 0)
		return true;
	bool *rec = zalloc(t->ncells, sizeof(bool));
	if (rec == NULL)
		return false;
	for (size_t round = 0; round <= t->ncells + t->nmargins; round++) {
		bool too_many;
		if (!find_recoverable(t, rec, &too_many)) {
			free(rec);
			return false;
		}
		if (too_many) {
			for (size_t i = 0; i < t->nmargins; i++)
				t->margins[i].suppressed = true;
			break;
		}
		size_t c = SIZE_MAX;
		for (size_t i = 0; i < t->ncells && c == SIZE_MAX; i++)
			if (rec[i])
				c = i;
		if (c == SIZE_MAX)
			break;
		protect(t, c);
	}
	free(rec);
	return true;
}
