// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256 of files through OpenSSL's EVP interface: it uses the CPU's SHA
 * extensions and, on hosts configured for it, the FIPS provider.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "interdict.h"

int sha256_fd(int fd, __u8 out[ID_SHA256_LEN])
{
	unsigned char buf[1 << 16];
	unsigned int len = 0;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int err = -EIO;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
		goto cleanup;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (!EVP_DigestUpdate(ctx, buf, n))
			goto cleanup;
	}
	if (!EVP_DigestFinal_ex(ctx, out, &len) || len != ID_SHA256_LEN)
		goto cleanup;
	err = 0;
cleanup:
	EVP_MD_CTX_free(ctx);
	return err;
}

int sha256_file(const char *path, __u8 out[ID_SHA256_LEN])
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = sha256_fd(fd, out);
	close(fd);
	return err;
}

void sha256_hex(const __u8 in[ID_SHA256_LEN], char out[2 * ID_SHA256_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < ID_SHA256_LEN; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * ID_SHA256_LEN] = 0;
}
