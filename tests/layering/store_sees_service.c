/* Layering probe: store/ must not see checks.h; this file must not compile. */
#include "checks.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
