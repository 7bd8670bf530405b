/* Layering probe: cli/ (a face) must not see server.h; this file must not compile. */
#include "server.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
