//! `Console`, `Console.Error`/`Console.Out` (a `TextWriter`) and `Environment`.

use std::io::BufRead;

use crate::Vm;
use crate::error::VmError;
use crate::program::BuiltinClass;
use crate::value::{Obj, Tracer, Value};

use super::args::{NativeResult, arg, argument_null, int_arg, native_this, new_array, obj_arg, str_arg};
use super::format::{self, FormatArgs};

/// Where a `TextWriter` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

/// `Console.Out` / `Console.Error`.
pub struct TextWriter {
    pub stream: Stream,
}

impl crate::value::NativeObject for TextWriter {
    fn type_name(&self) -> &'static str {
        "TextWriter"
    }
    fn trace(&self, _tracer: &mut Tracer) {}
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Writes to a stream. A closed pipe is ignored, as .NET ignores EPIPE;
/// any other failure (a full disk) is an `IOException`, as .NET and Mono
/// throw it. Output is buffered, so a failure may also surface only when
/// the run ends: the embedder (the `toy` command) checks for that itself.
fn write(vm: &mut Vm, stream: Stream, text: &str) -> Result<(), VmError> {
    let result = match stream {
        Stream::Out => vm.out().write_all(text.as_bytes()),
        Stream::Err => vm.err_out().write_all(text.as_bytes()),
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(io_exception(&e)),
        _ => Ok(()),
    }
}

/// The exception for a failed write: the system's message without Rust's
/// `(os error N)` suffix, as .NET words it.
fn io_exception(e: &std::io::Error) -> VmError {
    let text = e.to_string();
    let message = text.split(" (os error").next().unwrap_or(&text);
    VmError::throw("System.IO.IOException", message)
}

/// The text `Write(x)` prints: strings as they are, `char[]` as its
/// characters (C# picks the `char[]` overload), everything else by `ToString()`.
fn text_of(vm: &mut Vm, v: Value) -> Result<String, VmError> {
    match obj_arg(&[v], 0) {
        Some(Obj::Str(s)) => Ok(s.as_str().to_owned()),
        Some(Obj::Array(a)) if a.elem() == BuiltinClass::Char.id() => {
            let units: Vec<u16> = a.iter().filter_map(|c| c.as_int()).map(|c| c as u16).collect();
            Ok(String::from_utf16_lossy(&units))
        }
        _ => vm.display(v),
    }
}

/// The arguments of a composite format: `args[first..]`, or the elements of
/// a single `object[]`/`string[]` argument (C#'s `params` with an array).
pub fn format_args(args: &[Value], first: usize) -> FormatArgs<'_> {
    let rest = args.get(first..).unwrap_or(&[]);
    if rest.len() == 1
        && let Some(Obj::Array(a)) = obj_arg(rest, 0)
        && (a.elem() == BuiltinClass::Object.id() || a.elem() == BuiltinClass::String.id())
    {
        return FormatArgs::Items(a);
    }
    FormatArgs::Values(rest)
}

/// `format` applied to the arguments after `args[format_index]`.
pub fn format_from(vm: &mut Vm, args: &[Value], format_index: usize) -> Result<String, VmError> {
    let format = str_arg(vm, args, format_index)?.ok_or_else(|| argument_null("format"))?;
    format::composite(vm, format, format_args(args, format_index + 1))
}

fn write_value(vm: &mut Vm, stream: Stream, args: &[Value], first: usize, newline: bool) -> NativeResult {
    let count = args.len().saturating_sub(first);
    if count == 1
        && let Some(Obj::Str(s)) = obj_arg(args, first)
    {
        // The common case, without copying the string.
        write(vm, stream, s)?;
        if newline {
            write(vm, stream, "\n")?;
        }
        return Ok(Value::Null);
    }
    let mut text = match count {
        0 => String::new(),
        1 => text_of(vm, arg(args, first))?,
        _ => format_from(vm, args, first)?,
    };
    if newline {
        text.push('\n');
    }
    write(vm, stream, &text)?;
    Ok(Value::Null)
}

pub fn write_line(vm: &mut Vm, args: &[Value]) -> NativeResult {
    write_value(vm, Stream::Out, args, 0, true)
}

pub fn write_no_line(vm: &mut Vm, args: &[Value]) -> NativeResult {
    write_value(vm, Stream::Out, args, 0, false)
}

fn writer_stream(vm: &Vm, args: &[Value]) -> Result<Stream, VmError> {
    Ok(native_this::<TextWriter>(vm, args, "System.IO.TextWriter")?.stream)
}

pub fn writer_write_line(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let stream = writer_stream(vm, args)?;
    write_value(vm, stream, args, 1, true)
}

pub fn writer_write(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let stream = writer_stream(vm, args)?;
    write_value(vm, stream, args, 1, false)
}

pub fn writer_flush(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let result = match writer_stream(vm, args)? {
        Stream::Out => vm.out().flush(),
        Stream::Err => vm.err_out().flush(),
    };
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(io_exception(&e)),
        _ => Ok(Value::Null),
    }
}

fn writer(vm: &mut Vm, stream: Stream) -> Value {
    Value::Obj(vm.alloc(crate::object::native(TextWriter { stream })))
}

pub fn get_error(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(writer(vm, Stream::Err))
}

pub fn get_out(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(writer(vm, Stream::Out))
}

/// `Console.ReadLine()`: a line of standard input without its line break,
/// or null at the end of input.
pub fn read_line(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    let _ = vm.out().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => Ok(Value::Null),
        Ok(_) => {
            let trimmed = line.strip_suffix('\n').unwrap_or(&line);
            let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
            Ok(vm.str_value(trimmed))
        }
    }
}

// ---- Environment ----

pub fn new_line(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(vm.str_value("\n"))
}

pub fn command_line_args(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(args_array(vm, Some("toy")))
}

/// A `string[]` of the program's arguments (`Main(string[] args)`), after
/// `first` if given (`Environment.GetCommandLineArgs()`).
pub fn args_array(vm: &mut Vm, first: Option<&str>) -> Value {
    let args = vm.options().args.clone();
    let items = first.into_iter().map(str::to_owned).chain(args).map(|a| vm.str_value(a)).collect();
    new_array(vm, BuiltinClass::String.id(), items)
}

pub fn exit(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let code = int_arg(vm, args, 0)?;
    Err(VmError::Exit(code as i32))
}

pub fn processor_count(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Int(1))
}
