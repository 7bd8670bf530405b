/* Layering probe: service/ must not see cli.h; this file must not compile. */
#include "cli.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
