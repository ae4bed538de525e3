"""Microsoft Teams on the Microsoft 365 Agents SDK: the SDK's TurnContext and Activity stay in here."""
