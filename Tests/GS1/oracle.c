/*
 * kioskd's test oracle: GS1's reference Barcode Syntax Engine, one verdict per input line.
 *
 * Usage: oracle [SYNTAX-DICTIONARY]   (without it: the engine's embedded AI table)
 *
 * Input, one per line:  MODE <TAB> INPUT
 *   MODE  scan  gs1_encoder_setScanData (INPUT starts with a symbology identifier)
 *         ai    gs1_encoder_setAIdataStr (bracketed)
 *         dl    gs1_encoder_setDataStr (a Digital Link URI)
 *         raw   an element string without symbology identifier, given to
 *               gs1_encoder_setScanData behind "]C1" (what a GS1 parser reads it as)
 *   INPUT uses the escape {GS} for the group separator (0x1D); nothing else is escaped.
 *
 * Output, one line per input:
 *   OK <TAB> gs1_encoder_getAIdataStr()      accepted, with AI data (bracketed, "(" escaped)
 *   PLAIN <TAB> gs1_encoder_getDataStr()     accepted as non-AI data (e.g. ]E0 EAN-13, ]Q1 text)
 *   ERR <TAB> gs1_encoder_getErrMsg()        refused
 * GS in the output is printed as {GS}. The engine's defaults are kept (zero-suppressed GTINs
 * in Digital Link URIs refused, unknown AIs refused, every validation enabled).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gs1encoders.h"

static char line[1 << 16];
static char input[1 << 16];

static void unescape(const char *in, char *out) {
	while (*in) {
		if (strncmp(in, "{GS}", 4) == 0) { *out++ = 0x1D; in += 4; }
		else *out++ = *in++;
	}
	*out = '\0';
}

static void print_escaped(const char *s) {
	for (; *s; s++) {
		if (*s == 0x1D) fputs("{GS}", stdout);
		else if (*s == '\n' || *s == '\t') putchar(' ');
		else putchar(*s);
	}
}

int main(int argc, char **argv) {
	gs1_encoder_init_status_t status = GS1_ENCODERS_INIT_SUCCESS;
	char msg[256] = "";
	gs1_encoder_init_opts_t opts = {
		.struct_size = sizeof(gs1_encoder_init_opts_t),
		.flags = gs1_encoder_iDEFAULT,
		.syntaxDictionary = argc > 1 ? argv[1] : NULL,
		.status = &status,
		.msgBuf = msg,
		.msgBufSize = sizeof(msg),
	};
	gs1_encoder *ctx = gs1_encoder_init_ex(NULL, &opts);
	if (!ctx) {
		fprintf(stderr, "oracle: cannot initialise the GS1 engine: %s\n", msg);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char *tab, *mode = line, *text;
		bool ok;
		line[strcspn(line, "\r\n")] = '\0';
		if (!(tab = strchr(line, '\t'))) { puts("ERR\tmalformed test line"); continue; }
		*tab = '\0';
		text = tab + 1;
		if (strcmp(mode, "raw") == 0) {
			strcpy(input, "]C1");
			unescape(text, input + 3);
		} else
			unescape(text, input);
		if (strcmp(mode, "scan") == 0 || strcmp(mode, "raw") == 0)
			ok = gs1_encoder_setScanData(ctx, input);
		else if (strcmp(mode, "ai") == 0)
			ok = gs1_encoder_setAIdataStr(ctx, input);
		else if (strcmp(mode, "dl") == 0)
			ok = gs1_encoder_setDataStr(ctx, input);
		else { puts("ERR\tunknown mode"); continue; }
		if (!ok) {
			fputs("ERR\t", stdout);
			print_escaped(gs1_encoder_getErrMsg(ctx));
		} else {
			char *ai = gs1_encoder_getAIdataStr(ctx);
			if (ai) { fputs("OK\t", stdout); print_escaped(ai); }
			else { fputs("PLAIN\t", stdout); print_escaped(gs1_encoder_getDataStr(ctx)); }
		}
		putchar('\n');
	}
	gs1_encoder_free(ctx);
	return 0;
}
