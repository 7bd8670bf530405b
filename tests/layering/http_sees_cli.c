/* Layering probe: http/ (a face) must not see cli_util.h; this file must not compile. */
#include "cli_util.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
