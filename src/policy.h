/* Placeholder. */
#ifndef SG_POLICY_H
#define SG_POLICY_H
#endif
