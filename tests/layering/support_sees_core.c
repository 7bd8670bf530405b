/* Layering probe: support/ must not see terms.h; this file must not compile. */
#include "terms.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
