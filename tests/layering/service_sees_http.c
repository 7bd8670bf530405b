/* Layering probe: service/ must not see route.h; this file must not compile. */
#include "route.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
