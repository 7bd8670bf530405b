/* Layering probe: core/ (pure: no SQL) must not see db.h; this file must not compile. */
#include "db.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
