/* Layering probe: core/ must not see registry.h; this file must not compile. */
#include "registry.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
