/* SPDX-License-Identifier: MIT */
/*
 * The executable's function symbols (include/clockwork/port_posix.h), to
 * name timer callbacks in dumps and traces: the ELF64 .symtab of
 * /proc/self/exe, static functions included, as a table sorted by
 * address. A position-independent executable runs at an offset from its
 * link addresses: the difference between the entry point the kernel
 * reports (getauxval(AT_ENTRY)) and the ELF header's e_entry. Functions in
 * shared libraries (libclockwork.so's own, when linked shared) are not in
 * it and get no name; neither does anything in a stripped executable.
 *
 * Lifetime: the caller owns what cw_posix_symbols_load() returns; names
 * point into it until cw_posix_symbols_free().
 */
#include <clockwork/port_posix.h>
#include <clockwork/timer_list.h>

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

struct sym {
	uintptr_t addr;
	uintptr_t size;
	const char *name;
};

struct cw_posix_symbols {
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

static struct cw_posix_symbols *load(int fd)
{
	struct cw_posix_symbols *s = calloc(1, sizeof(*s));
	Elf64_Shdr symtab, strtab;
	Elf64_Ehdr eh;
	Elf64_Sym *raw = NULL;
	uintptr_t entry = (uintptr_t)getauxval(AT_ENTRY), bias;
	size_t n;

	if (!s || !entry || !read_at(fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || !find_symtab(fd, &eh, &symtab, &strtab) ||
	    symtab.sh_entsize != sizeof(Elf64_Sym)) {
		goto fail;
	}
	bias = entry - (uintptr_t)eh.e_entry;
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
		s->syms[s->nr++] =
			(struct sym){ (uintptr_t)raw[i].st_value + bias, (uintptr_t)raw[i].st_size,
				      s->strtab + raw[i].st_name };
	}
	qsort(s->syms, s->nr, sizeof(*s->syms), by_addr);
	free(raw);
	return s;
fail:
	free(raw);
	cw_posix_symbols_free(s);
	return NULL;
}

struct cw_posix_symbols *cw_posix_symbols_load(void)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	struct cw_posix_symbols *s;

	if (fd < 0) {
		return NULL;
	}
	s = load(fd);
	close(fd);
	return s;
}

const char *cw_posix_symbols_name(const struct cw_posix_symbols *s, uintptr_t addr)
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

void cw_posix_symbols_free(struct cw_posix_symbols *s)
{
	if (s) {
		free(s->syms);
		free(s->strtab);
		free(s);
	}
}

const char *cw_posix_symbolize(void *arg, uintptr_t fn, char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return cw_posix_symbols_name(arg, fn);
}

int cw_posix_timer_list_print(struct cw_system *sys, FILE *out)
{
	struct cw_posix_symbols *syms;
	struct cw_timer_list_options opt = { .symbolize = cw_posix_symbolize };
	size_t need, got;
	char *text;

	if (!sys || !out) {
		return CW_EINVAL;
	}
	syms = cw_posix_symbols_load();
	opt.symbolize_arg = syms;
	/* Timers may be armed between the two calls: room for some more lines. */
	need = cw_timer_list_format(sys, &opt, NULL, 0) + 4096;
	text = malloc(need);
	if (!text) {
		cw_posix_symbols_free(syms);
		return CW_ENOMEM;
	}
	got = cw_timer_list_format(sys, &opt, text, need);
	fputs(text, out);
	if (got >= need) {
		fputs("...(more timers armed while it was written)\n", out);
	}
	free(text);
	cw_posix_symbols_free(syms);
	return ferror(out) ? CW_EIO : 0;
}
