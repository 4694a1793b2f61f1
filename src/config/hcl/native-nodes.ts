/**
 * The native parser's most numerous nodes, which keep offsets and make their ranges when read.
 *
 * Why: a 10,000-resource configuration has about 600,000 ranges, and allocating each one while parsing made
 * young-generation GC (which copies every surviving object) the largest cost of loading. The ranges of these
 * nodes follow from a few offsets (a name's range is its first offset plus its length, a block's closing brace
 * ends the block...), so storing the offsets and building a range only when one is read removes most of them.
 * Readers see ordinary AST values: the ranges are getters on the prototype, so a spread (`{...attr}`) does not
 * copy them (nothing does that to syntax nodes).
 *
 * Each class declares its own fields and `range` getter rather than sharing a base class: a constructor or getter
 * shared by many classes sees many object shapes, which makes V8's property accesses in it megamorphic (a shared
 * base for a dozen node classes made loading twice as slow, measured).
 */
import type { Attribute, Block, BlockLabel, Body, Expression, FunctionCallExpr, LiteralExpr, ObjectExpr, ObjectItem, ScopeTraversalExpr, TemplateExpr, TemplatePart, TraverseAttr, TraversalStep } from "./ast.js";
import type { SourceRange } from "../source.js";
import { endOffset } from "./position.js";

/** Makes the range between two offsets of one file (a LineIndex, or a parser that pins every range). */
export interface RangeMaker {
  range(start: number, end: number): SourceRange;
}

export class NativeAttribute implements Attribute {
  readonly kind = "attribute";
  constructor(
    readonly name: string,
    readonly expr: Expression,
    private readonly ranges: RangeMaker,
    /** Offset of the name (an identifier, so it ends `name.length` later). */
    private readonly at: number,
  ) {}

  get nameRange(): SourceRange {
    return this.ranges.range(this.at, this.at + this.name.length);
  }

  get range(): SourceRange {
    return this.ranges.range(this.at, endOffset(this.expr.range));
  }
}

/** The body of a block: the span between its braces. */
export class NativeBody implements Body {
  readonly kind = "body";
  readonly syntax = "native";
  constructor(
    readonly attributes: Attribute[],
    readonly blocks: Block[],
    private readonly ranges: RangeMaker,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }
}

export class NativeBlock implements Block {
  readonly kind = "block";
  constructor(
    readonly type: string,
    readonly labels: BlockLabel[],
    readonly body: Body,
    private readonly ranges: RangeMaker,
    /** Offset of the type name (an identifier). */
    private readonly at: number,
    private readonly openBrace: number,
    /** The closing brace's span; empty (`closeEnd === closeStart`) when the brace is missing. */
    private readonly closeStart: number,
    private readonly closeEnd: number,
  ) {}

  get typeRange(): SourceRange {
    return this.ranges.range(this.at, this.at + this.type.length);
  }

  get openBraceRange(): SourceRange {
    return this.ranges.range(this.openBrace, this.openBrace + 1);
  }

  get closeBraceRange(): SourceRange {
    return this.ranges.range(this.closeStart, this.closeEnd);
  }

  get range(): SourceRange {
    return this.ranges.range(this.at, this.closeEnd);
  }
}

export class NativeFunctionCall implements FunctionCallExpr {
  readonly kind = "function_call";
  constructor(
    readonly name: string,
    readonly args: Expression[],
    readonly expandFinal: boolean,
    private readonly ranges: RangeMaker,
    private readonly at: number,
    /** End of the name (`provider :: x :: f` may have spaces around the colons). */
    private readonly nameEnd: number,
    private readonly openParen: number,
    /** The closing parenthesis' span; empty when it is missing. */
    private readonly closeStart: number,
    private readonly closeEnd: number,
  ) {}

  get nameRange(): SourceRange {
    return this.ranges.range(this.at, this.nameEnd);
  }

  get openParenRange(): SourceRange {
    return this.ranges.range(this.openParen, this.openParen + 1);
  }

  get closeParenRange(): SourceRange {
    return this.ranges.range(this.closeStart, this.closeEnd);
  }

  get range(): SourceRange {
    return this.ranges.range(this.at, this.closeEnd);
  }
}

/** `null`, `true`, `false`, a number, or the literal text of a template. */
export class NativeLiteral<V extends LiteralExpr["value"]> implements LiteralExpr {
  readonly kind = "literal";
  constructor(
    readonly value: V,
    /** The spelling of a number (undefined for the other literals, which reads as absent). */
    readonly numberText: string | undefined,
    private readonly ranges: RangeMaker,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }
}

/** A quoted string. */
export class NativeTemplate implements TemplateExpr {
  readonly kind = "template";
  constructor(
    readonly parts: TemplatePart[],
    private readonly ranges: RangeMaker,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }
}

/** `.name` in a traversal: the name's identifier. */
export class NativeAttrStep implements TraverseAttr {
  readonly kind = "attr";
  constructor(
    readonly name: string,
    private readonly ranges: RangeMaker,
    private readonly from: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.from + this.name.length);
  }
}

/** `root.step[0]...`: grows by `extend` while the parser reads its steps. */
export class NativeScopeTraversal implements ScopeTraversalExpr {
  readonly kind = "scope_traversal";
  steps: TraversalStep[] = [];
  private to: number;
  constructor(
    readonly root: string,
    private readonly ranges: RangeMaker,
    private readonly from: number,
  ) {
    this.to = from + root.length;
  }

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }

  get rootRange(): SourceRange {
    return this.ranges.range(this.from, this.from + this.root.length);
  }

  /** Appends a step that ends at offset `to`. */
  extend(step: TraversalStep, to: number): void {
    this.steps.push(step);
    this.to = to;
  }
}

/** A block label, bare or quoted (its range covers the quotes). */
export class NativeLabel implements BlockLabel {
  constructor(
    readonly value: string,
    private readonly ranges: RangeMaker,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }
}

/** `{ key = value, ... }`: from its opening brace to its closing one. */
export class NativeObject implements ObjectExpr {
  readonly kind = "object";
  constructor(
    readonly items: ObjectItem[],
    private readonly ranges: RangeMaker,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, this.to);
  }
}

/** One `key = value` of an object constructor: from the key's first offset to the value's end. */
export class NativeObjectItem implements ObjectItem {
  constructor(
    readonly key: Expression,
    readonly bareKey: boolean,
    readonly value: Expression,
    private readonly ranges: RangeMaker,
    private readonly from: number,
  ) {}

  get range(): SourceRange {
    return this.ranges.range(this.from, endOffset(this.value.range));
  }
}
