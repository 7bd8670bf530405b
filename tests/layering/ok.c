/* Layering control: core may see support (an allowed include); this file must compile,
 * so that the probes fail for the include and not for the mechanism. */
#include "hex.h"
int layering_probe(void);
int layering_probe(void)
{
	return 0;
}
