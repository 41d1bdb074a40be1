//! LoRA adapter parameters (what PEFT creates for a rank and a set of target modules).
