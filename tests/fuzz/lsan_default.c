/*
 * lsan_default: the LeakSanitizer suppressions every fuzz target carries in itself,
 * so that a target run on its own (a long campaign, scripts/fuzz, a crash replay)
 * ignores the same known library leaks as scripts/test does with tests/lsan.supp,
 * and stops on nothing else.  Keep the two lists the same.
 *
 * libconfig 1.5 (Debian 12) leaks the string token its scanner is building when a
 * syntax error cuts a quoted string short (fixed upstream in 1.7): reached by
 * config_parse (fuzz_config) and the terms reader (fuzz_terms).  Only frames inside
 * libconfig: a leak in deliberd's own code still stops the run.
 */
const char *__lsan_default_suppressions(void);

__attribute__((used, visibility("default"))) const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\n"
	       "leak:libconfig_yylex\n"
	       "leak:libconfig.so\n";
}
