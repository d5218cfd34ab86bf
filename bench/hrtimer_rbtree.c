/* SPDX-License-Identifier: MIT */
/*
 * bench_hrtimer: an intrusive red-black tree with a cached leftmost node,
 * the structure of Linux's timerqueue (and of its hrtimer bases). Written
 * here from the textbook algorithm (parent pointers, NULL leaves): insert
 * walks down from the root and remembers whether it only went left (the
 * new leftmost); erase moves the cached leftmost to its in-order successor
 * first. Equal keys go to the right, so they expire in start order.
 */
#include "hrtimer_impl.h"

#include <stdlib.h>

struct rb_timer {
	struct rb_timer *parent;
	struct rb_timer *left;
	struct rb_timer *right;
	uint64_t key;
	bool red;
};

static struct rb_timer *rb_timers;
static struct rb_timer *rb_root;
static struct rb_timer *rb_leftmost;

static inline bool rb_is_red(const struct rb_timer *n)
{
	return n && n->red;
}

/* Put @v where @u hangs (v may be NULL). */
static inline void rb_replace(struct rb_timer *u, struct rb_timer *v)
{
	struct rb_timer *p = u->parent;

	if (!p) {
		rb_root = v;
	} else if (u == p->left) {
		p->left = v;
	} else {
		p->right = v;
	}
	if (v) {
		v->parent = p;
	}
}

static inline void rb_rotate_left(struct rb_timer *x)
{
	struct rb_timer *y = x->right;

	x->right = y->left;
	if (y->left) {
		y->left->parent = x;
	}
	rb_replace(x, y);
	y->left = x;
	x->parent = y;
}

static inline void rb_rotate_right(struct rb_timer *x)
{
	struct rb_timer *y = x->left;

	x->left = y->right;
	if (y->right) {
		y->right->parent = x;
	}
	rb_replace(x, y);
	y->right = x;
	x->parent = y;
}

static inline void rb_insert(struct rb_timer *n)
{
	struct rb_timer **link = &rb_root, *p = NULL;
	bool leftmost = true;

	while (*link) {
		p = *link;
		if (n->key < p->key) {
			link = &p->left;
		} else {
			link = &p->right;
			leftmost = false;
		}
	}
	n->parent = p;
	n->left = n->right = NULL;
	n->red = true;
	*link = n;
	if (leftmost) {
		rb_leftmost = n;
	}
	/* Repair a red node under a red parent. */
	while ((p = n->parent) != NULL && p->red) {
		struct rb_timer *g = p->parent, *u;

		if (p == g->left) {
			u = g->right;
			if (rb_is_red(u)) {
				p->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->right) {
				rb_rotate_left(p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rb_rotate_right(g);
		} else {
			u = g->left;
			if (rb_is_red(u)) {
				p->red = u->red = false;
				g->red = true;
				n = g;
				continue;
			}
			if (n == p->left) {
				rb_rotate_right(p);
				n = p;
				p = n->parent;
			}
			p->red = false;
			g->red = true;
			rb_rotate_left(g);
		}
	}
	rb_root->red = false;
}

static inline struct rb_timer *rb_next(struct rb_timer *n)
{
	struct rb_timer *p;

	if (n->right) {
		n = n->right;
		while (n->left) {
			n = n->left;
		}
		return n;
	}
	while ((p = n->parent) != NULL && n == p->right) {
		n = p;
	}
	return p;
}

/* Restore the black height after removing a black node above @x (child of @xp). */
static inline void rb_erase_fixup(struct rb_timer *x, struct rb_timer *xp)
{
	while (x != rb_root && !rb_is_red(x)) {
		struct rb_timer *w;

		if (x == xp->left) {
			w = xp->right;
			if (w->red) {
				w->red = false;
				xp->red = true;
				rb_rotate_left(xp);
				w = xp->right;
			}
			if (!rb_is_red(w->left) && !rb_is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!rb_is_red(w->right)) {
				w->left->red = false;
				w->red = true;
				rb_rotate_right(w);
				w = xp->right;
			}
			w->red = xp->red;
			xp->red = false;
			w->right->red = false;
			rb_rotate_left(xp);
		} else {
			w = xp->left;
			if (w->red) {
				w->red = false;
				xp->red = true;
				rb_rotate_right(xp);
				w = xp->left;
			}
			if (!rb_is_red(w->left) && !rb_is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!rb_is_red(w->left)) {
				w->right->red = false;
				w->red = true;
				rb_rotate_left(w);
				w = xp->left;
			}
			w->red = xp->red;
			xp->red = false;
			w->left->red = false;
			rb_rotate_right(xp);
		}
		x = rb_root;
		break;
	}
	if (x) {
		x->red = false;
	}
}

static inline void rb_erase(struct rb_timer *z)
{
	struct rb_timer *x, *xp;
	bool removed_red;

	if (z == rb_leftmost) {
		rb_leftmost = rb_next(z);
	}
	if (!z->left || !z->right) {
		x = z->left ? z->left : z->right;
		xp = z->parent;
		removed_red = z->red;
		rb_replace(z, x);
	} else {
		/* Two children: the successor y takes z's place and colour. */
		struct rb_timer *y = z->right;

		while (y->left) {
			y = y->left;
		}
		removed_red = y->red;
		x = y->right;
		if (y->parent == z) {
			xp = y;
		} else {
			xp = y->parent;
			rb_replace(y, x);
			y->right = z->right;
			y->right->parent = y;
		}
		rb_replace(z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	if (!removed_red) {
		rb_erase_fixup(x, xp);
	}
}

static int q_init(const struct hrq_params *p)
{
	rb_timers = calloc(p->n + 1, sizeof(*rb_timers));
	rb_root = rb_leftmost = NULL;
	return rb_timers ? 0 : -1;
}

static inline void q_start(size_t i, uint64_t key)
{
	rb_timers[i].key = key;
	rb_insert(&rb_timers[i]);
}

static inline void q_cancel(size_t i)
{
	rb_erase(&rb_timers[i]);
}

static inline size_t q_pop(uint64_t k, uint64_t *key)
{
	struct rb_timer *t = rb_leftmost;

	(void)k;
	rb_erase(t);
	*key = t->key;
	return (size_t)(t - rb_timers);
}

static bool q_drain(uint64_t *key, size_t *i)
{
	if (!rb_leftmost) {
		return false;
	}
	*i = q_pop(0, key);
	return true;
}

static void q_fini(void)
{
	free(rb_timers);
	rb_timers = NULL;
}

static void q_run(void (*fn)(void *), void *arg)
{
	fn(arg);
}

#define HRQ_IMPL_SYM hrq_rbtree
#include "hrtimer_impl.h"

const struct hrq_impl hrq_rbtree = {
	.impl = "rbtree",
	.start_cancel = hrq_start_cancel,
	.start_expire = hrq_start_expire,
	.drains = true,
	.timer_size = sizeof(struct rb_timer),
};
