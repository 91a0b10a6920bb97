/* Placeholder. */
#include "policy.h"

int	sg_policy_placeholder(void);
int
sg_policy_placeholder(void)
{
	return 0;
}
