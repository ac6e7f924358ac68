// SPDX-License-Identifier: GPL-2.0-only
/* The static payload of the bench's exec_static loop: linked with -static,
 * it exits at once, so the loop times exec without a dynamic loader. */
int main(void)
{
	return 0;
}
