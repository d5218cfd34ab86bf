/* SPDX-License-Identifier: MIT */
/*
 * The executable's function symbols (symbols.h), from the ELF64 .symtab of
 * /proc/self/exe: a sorted table of (address, size, name). A PIE is loaded
 * at an offset: the symbol of cwsim_symbols_load() itself gives it (its
 * run-time address minus its symbol value).
 */
#include "symbols.h"

#include <elf.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sym {
	uintptr_t addr;
	uintptr_t size;
	const char *name;
};

struct cwsim_symbols {
	struct sym *syms;
	size_t nr;
	char *strtab;
};

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The .symtab section header and its string table's, or false. */
static bool find_symtab(int fd, const Elf64_Ehdr *eh, Elf64_Shdr *symtab, Elf64_Shdr *strtab)
{
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		Elf64_Shdr sh;

		if (!read_at(fd, &sh, sizeof(sh), eh->e_shoff + (uint64_t)i * eh->e_shentsize)) {
			return false;
		}
		if (sh.sh_type == SHT_SYMTAB && sh.sh_link < eh->e_shnum) {
			*symtab = sh;
			return read_at(fd, strtab, sizeof(*strtab),
				       eh->e_shoff + (uint64_t)sh.sh_link * eh->e_shentsize);
		}
	}
	return false;
}

static struct cwsim_symbols *load(int fd)
{
	struct cwsim_symbols *s = calloc(1, sizeof(*s));
	Elf64_Shdr symtab, strtab;
	Elf64_Ehdr eh;
	Elf64_Sym *raw = NULL;
	uintptr_t self = (uintptr_t)cwsim_symbols_load, bias = 0;
	bool have_bias = false;
	size_t n;

	if (!s || !read_at(fd, &eh, sizeof(eh), 0) || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
	    !find_symtab(fd, &eh, &symtab, &strtab) || symtab.sh_entsize != sizeof(Elf64_Sym)) {
		goto fail;
	}
	n = symtab.sh_size / sizeof(Elf64_Sym);
	raw = malloc(symtab.sh_size);
	s->strtab = malloc(strtab.sh_size + 1);
	s->syms = calloc(n ? n : 1, sizeof(*s->syms));
	if (!raw || !s->strtab || !s->syms || !read_at(fd, raw, symtab.sh_size, symtab.sh_offset) ||
	    !read_at(fd, s->strtab, strtab.sh_size, strtab.sh_offset)) {
		goto fail;
	}
	s->strtab[strtab.sh_size] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (ELF64_ST_TYPE(raw[i].st_info) != STT_FUNC || raw[i].st_value == 0 ||
		    raw[i].st_name >= strtab.sh_size) {
			continue;
		}
		if (strcmp(s->strtab + raw[i].st_name, "cwsim_symbols_load") == 0) {
			bias = self - (uintptr_t)raw[i].st_value;
			have_bias = true;
		}
		s->syms[s->nr++] =
			(struct sym){ (uintptr_t)raw[i].st_value, (uintptr_t)raw[i].st_size,
				      s->strtab + raw[i].st_name };
	}
	if (!have_bias) {
		goto fail;
	}
	for (size_t i = 0; i < s->nr; i++) {
		s->syms[i].addr += bias;
	}
	qsort(s->syms, s->nr, sizeof(*s->syms), by_addr);
	free(raw);
	return s;
fail:
	free(raw);
	cwsim_symbols_free(s);
	return NULL;
}

struct cwsim_symbols *cwsim_symbols_load(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct cwsim_symbols *s;

	if (fd < 0) {
		return NULL;
	}
	s = load(fd);
	close(fd);
	return s;
}

const char *cwsim_symbols_name(const struct cwsim_symbols *s, uintptr_t addr)
{
	size_t lo = 0, hi;

	if (!s || s->nr == 0) {
		return NULL;
	}
	/* The last symbol at or below @addr. */
	hi = s->nr;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].addr <= addr) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	if (s->syms[lo].addr > addr ||
	    addr - s->syms[lo].addr >= (s->syms[lo].size ? s->syms[lo].size : 1)) {
		return NULL;
	}
	return s->syms[lo].name;
}

void cwsim_symbols_free(struct cwsim_symbols *s)
{
	if (s) {
		free(s->syms);
		free(s->strtab);
		free(s);
	}
}
