/*
 * test_checks: the input checks of the check service that need no database
 * (references and ids are terms_reference_parse and terms_id_valid, tested in
 * test_terms): checks_open_staged, which must never open anything outside the staging
 * directory (traversal, absolute paths, symlinks in or out, directories, FIFOs),
 * and checks_read_bounded, which never reads a staged file past its size at open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "checks.h"
#include "config.h"

struct staging {
	char root[128]; /* a temporary directory */
	char dir[160];  /* root/staging: the staging directory */
	struct config *c;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int staging_setup(void **state)
{
	struct staging *s = calloc(1, sizeof(*s));
	char path[256];
	if (s == NULL)
		return -1;
	snprintf(s->root, sizeof(s->root), "/tmp/test_checks.XXXXXX");
	if (mkdtemp(s->root) == NULL)
		return -1;
	snprintf(s->dir, sizeof(s->dir), "%s/staging", s->root);
	mkdir(s->dir, 0700);
	snprintf(path, sizeof(path), "%s/secret.csv", s->root);
	write_file(path, "outside\n");
	snprintf(path, sizeof(path), "%s/ok.csv", s->dir);
	write_file(path, "person_id\n1\n");
	snprintf(path, sizeof(path), "%s/sub", s->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sub/inner.csv", s->dir);
	write_file(path, "inner\n");
	snprintf(path, sizeof(path), "%s/out.csv", s->dir);
	if (symlink("../secret.csv", path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/in.csv", s->dir);
	if (symlink("ok.csv", path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/abs.csv", s->dir);
	if (symlink("/etc/passwd", path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/fifo", s->dir);
	if (mkfifo(path, 0600) != 0)
		return -1;
	s->c = config_default();
	free(s->c->staging_dir);
	s->c->staging_dir = strdup(s->dir);
	*state = s;
	return 0;
}

static int staging_teardown(void **state)
{
	struct staging *s = *state;
	static const char *names[] = {"staging/ok.csv", "staging/sub/inner.csv", "staging/out.csv",
	                              "staging/in.csv", "staging/abs.csv",       "staging/fifo",
	                              "secret.csv"};
	char path[256];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->root, names[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/staging/sub", s->root);
	rmdir(path);
	rmdir(s->dir);
	rmdir(s->root);
	config_unref(s->c);
	free(s);
	return 0;
}

static void test_open_staged(void **state)
{
	struct staging *s = *state;
	static const struct {
		const char *name;
		enum err_kind kind; /* ERR_NONE: opens */
	} cases[] = {
	    {"ok.csv", ERR_NONE},
	    {"missing.csv", ERR_NOT_FOUND},
	    {"../secret.csv", ERR_INVALID},
	    {"..", ERR_INVALID},
	    {".", ERR_INVALID},
	    {"", ERR_INVALID},
	    {"/etc/passwd", ERR_INVALID},
	    {"sub/inner.csv", ERR_INVALID},
	    {"sub/../ok.csv", ERR_INVALID},
	    {"./ok.csv", ERR_INVALID},
	    {"sub", ERR_INVALID},
	    {"out.csv", ERR_INVALID},
	    {"in.csv", ERR_INVALID},
	    {"abs.csv", ERR_INVALID},
	    {"fifo", ERR_INVALID},
	    {"ok.csv\n", ERR_INVALID},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct err e = {0};
		int fd = checks_open_staged(s->c, cases[i].name, &e);
		if (cases[i].kind == ERR_NONE) {
			assert_true(fd >= 0);
			char buf[32] = "";
			assert_int_equal(read(fd, buf, sizeof(buf) - 1), 12);
			assert_string_equal(buf, "person_id\n1\n");
			close(fd);
		} else {
			assert_int_equal(fd, -1);
			assert_int_equal(e.kind, cases[i].kind);
			assert_string_equal(e.field, "staged_file");
			/* the message never echoes the name it refused */
			if (strlen(cases[i].name) > 2)
				assert_null(strstr(e.message, cases[i].name));
		}
	}
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	struct err e = {0};
	assert_int_equal(checks_open_staged(s->c, long_name, &e), -1);
	assert_int_equal(e.kind, ERR_INVALID);
}

static void test_staging_disabled(void **state)
{
	(void)state;
	struct config *c = config_default(); /* staging_dir "" */
	struct err e = {0};
	assert_int_equal(checks_open_staged(c, "ok.csv", &e), -1);
	assert_int_equal(e.kind, ERR_INVALID);
	assert_string_equal(e.field, "staged_file");
	assert_non_null(strstr(e.message, "disabled"));
	config_unref(c);
}

/* Reads fd through checks_read_bounded in blocks of 4 until the end or an error;
 * returns the bytes read, *ok says whether it ended without error. */
static size_t read_all(int fd, uint64_t size, char *out, size_t cap, bool grow, bool *ok,
                       struct err *e)
{
	uint64_t left = size;
	size_t got = 0, len = 0;
	char buf[4];
	for (;;) {
		*ok = checks_read_bounded(fd, buf, sizeof(buf), &left, &len, e);
		if (!*ok || len == 0)
			return got;
		assert_true(got + len <= cap);
		memcpy(out + got, buf, len);
		got += len;
		/* a writer appending while the file is read */
		if (grow)
			assert_int_equal(pwrite(fd, "MORE", 4, (off_t)(size + got)), 4);
	}
}

static void test_read_bounded(void **state)
{
	(void)state;
	char path[] = "/tmp/test_checks_readXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static const char data[] = "person_id\n1\n2\n"; /* 14 bytes */
	size_t n = sizeof(data) - 1;
	char out[64];
	struct err e = {0};
	bool ok = false;

	/* as large as when opened: all of it, then the end */
	assert_int_equal(pwrite(fd, data, n, 0), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_all(fd, n, out, sizeof(out), false, &ok, &e), n);
	assert_true(ok);
	assert_memory_equal(out, data, n);

	/* growing while read: never past the size taken at open */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_all(fd, n, out, sizeof(out), true, &ok, &e), n);
	assert_true(ok);
	assert_memory_equal(out, data, n);

	/* shrunk since opened: a conflict, not a shorter extract */
	assert_int_equal(ftruncate(fd, 5), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_all(fd, n, out, sizeof(out), false, &ok, &e), 5);
	assert_false(ok);
	assert_int_equal(e.kind, ERR_CONFLICT);
	assert_string_equal(e.field, "staged_file");
	assert_non_null(strstr(e.message, "changed while being checked"));

	/* an empty file: the end at once, nothing read */
	err_clear(&e);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read_all(fd, 0, out, sizeof(out), false, &ok, &e), 0);
	assert_true(ok);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_staged, staging_setup, staging_teardown),
	    cmocka_unit_test(test_staging_disabled),
	    cmocka_unit_test(test_read_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
